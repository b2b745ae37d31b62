"""Questions over material nobody on the project wrote, made by a fixed procedure (no hand tuning).

Each builder reads one folder of ``../shared/eval-data`` and returns an ``ExternalSet``: the
documents to ingest (rendered files, or a folder ingested as it is) and its questions, each with
expected facts that are word runs of the ingested text (``eval.answers.holds(by_words=True)``).

* ``eu-call-topics``: a deterministic sample of topics (smallest sha1 of the topic id), each
  rendered as one Markdown page: title, a field block (programme, call, type of action, deadline,
  budget per grant) and the description and objectives as found (mojibake included). One question
  per topic, its kind rotating over deadline, budget, objective and programme: the first three ask
  for a value only that topic states; the programme is shared by many topics, so its fact can be
  right by chance (the answer must still cite the topic to count in ``cites_source``).
  The objective's fact is the last six words of the description's first sentence.
* ``qmsum``: every meeting of ``val.jsonl`` as a ``[hh:mm:ss] Speaker: text`` transcript
  (10 s a turn; the corpus's tokenisation undone: "it 's" -> "it's", "L_C_D_" -> "LCD",
  ``{disfmarker}`` dropped).
  Its specific queries are asked as they are; the expected fact is the longest run of 3 to 8
  words (at least two of them neither stop words nor words of the query) that the reference
  answer shares with the query's relevant turns. It measures whether the answer quotes the part
  of the meeting that the reference answer summarises, not whether it answers as well as the
  reference; queries whose answer shares no such run with its turns are left out (their count
  is reported).
* ``real-pdfs``: the PDFs ingested as they are. Questions come from English sentences of the form
  "[The/A/An] <subject of 1-6 words> is/are/aims to/allows/enables/consists of/... <rest>" (a
  subject holding a clause word such as "which", "it" or "has" is no subject; a passive "is
  described ..." is left out): "What is <subject>?"
  or "What does <subject> <verb>?", fact the first four words of the rest. Subjects that head
  more than one such sentence are left out (the question would have several right answers).
  Besides, counts: "<number> <plural noun> <2-8 more words>" gives "How many <noun> <words>?"
  with "<number> <noun>" as its fact (a noun counted with two different numbers gives none).
  The French paper (3 % or more of its words French function words) gives no questions (the
  patterns are English) but stays in the store.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eval.answers import words
from kb.errors import UsageError

SETS = ("eu-call-topics", "qmsum", "real-pdfs")
STOP = frozenset("""a an the and or but of to in on at for with by from as is are was were be been
it its this that these those there their they we you he she i our your his her them not no so if
then than what which who whom how when where why do does did can could will would should may
might must about into over also just very some any all more most such only other have has had
get got go going say said think thought know like well yeah yes um uh okay ok really""".split())


@dataclass
class ExternalQuestion:
    id: str
    question: str
    facts: list[str]
    sources: list[str]
    kind: str = ""


@dataclass
class ExternalSet:
    name: str
    questions: list[ExternalQuestion]
    files: dict[str, str] = field(default_factory=dict)  # source path -> text, to write and ingest
    folder: Path | None = None  # or a folder ingested as it is
    notes: dict[str, Any] = field(default_factory=dict)


def build(name: str, data: str | Path, limit: int = 200) -> ExternalSet:
    """The set ``name`` from its folder in ``data``, with at most ``limit`` questions."""
    data = Path(data)
    builders = {"eu-call-topics": eu_call_topics, "qmsum": qmsum, "real-pdfs": real_pdfs}
    if name not in builders:
        raise UsageError(f"unknown external set {name!r} (known: {', '.join(SETS)})")
    if not (data / name).is_dir():
        raise UsageError(f"no {name} folder in {data} (expected ../shared/eval-data/{name})")
    return builders[name](data / name, limit)


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(?=\s|[A-Z]|$)", text.strip(), re.S)
    return (m.group(1) if m else text).strip()


# -- EU call topics -------------------------------------------------------------------------------
EU_DOCS = 80  # topics in the store; one question for each of the first ``limit``


def _eur(value: Any) -> str | None:
    try:
        amount = int(float(value))
    except (TypeError, ValueError):
        return None
    return f"EUR {amount:,}".replace(",", " ") if amount > 0 else None


def eu_page(row: dict[str, Any]) -> str:
    lo, hi = _eur(row.get("budgetMin")), _eur(row.get("budgetMax"))
    budget = None if not hi else hi if lo in (None, hi) else f"{lo} to {hi}"
    fields = [("Topic identifier", row.get("topicId")), ("Programme", row.get("programme")),
              ("Call", row.get("callTitle")), ("Type of action", row.get("typesOfAction")),
              ("Deadline", row.get("deadline")), ("Budget per grant", budget)]
    lines = [f"# {row['title'].strip()}", ""]
    lines += [f"{k}: {v}" for k, v in fields if v not in (None, "", "None")]
    for head, key in (("Description", "description"), ("Objectives", "objectives")):
        if (row.get(key) or "").strip():
            lines += ["", f"## {head}", "", row[key].strip()]
    return "\n".join(lines) + "\n"


def _eu_question(kind: str, row: dict[str, Any], page: str) -> tuple[str, str] | None:
    title = row["title"].strip()
    if kind == "deadline" and row.get("deadline"):
        return f'What is the deadline for the call topic "{title}"?', str(row["deadline"])
    if kind == "budget":
        m = re.search(r"^Budget per grant: (.+)$", page, re.M)
        return (f'How much funding can one grant get under "{title}"?',
                m.group(1).split(" to ")[-1]) if m else None
    if kind == "objective":
        first = _first_sentence(re.sub(r"^\W*(?:Objective|Expected Outcome)s?:\s*", "",
                                       row.get("description") or "", flags=re.I))
        tail = first.split()[-6:]
        return (f'What is the objective of "{title}"?', " ".join(tail)) \
            if len(first.split()) >= 10 else None
    if kind == "programme" and row.get("programme"):
        return f'Which EU programme funds the topic "{title}"?', str(row["programme"])
    return None


def eu_call_topics(folder: Path, limit: int) -> ExternalSet:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            rows += [json.loads(line) for line in fh if line.strip()]
    rows = [r for r in rows
            if (r.get("title") or "").strip() and len(r.get("description") or "") >= 200]
    seen: set[str] = set()
    picked = []
    for r in sorted(rows, key=lambda r: _sha(str(r.get("topicId")))):
        if r["title"].strip().lower() not in seen:
            seen.add(r["title"].strip().lower())
            picked.append(r)
    picked = picked[:EU_DOCS]
    files = {f"eu/{re.sub(r'[^A-Za-z0-9._-]', '_', r['topicId'])}.md": eu_page(r) for r in picked}
    kinds = ("deadline", "budget", "objective", "programme")
    questions = []
    for i, ((source, page), row) in enumerate(zip(files.items(), picked, strict=True)):
        for kind in kinds[i % 4:] + kinds[:i % 4]:  # the turn's kind, or the next one it has
            got = _eu_question(kind, row, page)
            if got and words(got[1]) and f" {words(got[1])} " in f" {words(page)} ":
                questions.append(ExternalQuestion(f"eu-{i:03d}", got[0], [got[1]], [source], kind))
                break
        if len(questions) >= limit:
            break
    return ExternalSet("eu-call-topics", questions, files=files,
                       notes={"topics_in_file": len(rows), "documents": len(files)})


QMSUM_EVERY = 1  # every meeting of the file goes into the store (169 usable queries)


# -- QMSum ----------------------------------------------------------------------------------------
_DETOK = [(re.compile(r"\{\w+\}"), ""), (re.compile(r"\s+"), " "),
          # AMI spells acronyms letter by letter: "L_C_D_s" is "LCDs"
          (re.compile(r"\b((?:[A-Za-z]_){2,})"), lambda m: m.group(1).replace("_", "")),
          (re.compile(r" (n't|'s|'re|'ve|'ll|'d|'m)\b"), r"\1"),
          (re.compile(r" ([.,?!;:%])"), r"\1")]


def detokenise(text: str) -> str:
    for pattern, repl in _DETOK:
        text = pattern.sub(repl, text)
    return text.strip()


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def meeting_text(meeting: dict[str, Any], number: int) -> str:
    topics = "; ".join(t.get("topic", "") for t in meeting.get("topic_list", [])[:3])
    lines = [f"# Meeting {number}: {topics}", ""]
    for i, turn in enumerate(meeting["meeting_transcripts"]):
        text = detokenise(turn.get("content") or "")
        if text:
            lines.append(f"[{_clock(10 * i)}] {turn.get('speaker') or 'Speaker'}: {text}")
    return "\n".join(lines) + "\n"


def shared_run(answer: str, span: str, query: str = "", lo: int = 3, hi: int = 8) -> str | None:
    """The longest (then earliest) run of ``lo``-``hi`` words of ``answer`` that ``span`` holds,
    with at least two words that are neither stop words nor words of the ``query``."""
    aw, target = words(answer).split(), f" {words(span)} "
    known = STOP | set(words(query).split())
    for n in range(hi, lo - 1, -1):
        for i in range(len(aw) - n + 1):
            run = aw[i:i + n]
            if sum(w not in known for w in run) >= 2 and f" {' '.join(run)} " in target:
                return " ".join(run)
    return None


def qmsum(folder: Path, limit: int) -> ExternalSet:
    path = folder / "val.jsonl"
    if not path.is_file():
        raise UsageError(f"{path} is missing (expected QMSum's val.jsonl)")
    with path.open(encoding="utf-8") as fh:
        meetings = [json.loads(line) for line in fh if line.strip()]
    files, questions, skipped = {}, [], 0
    for m_index in range(0, len(meetings), QMSUM_EVERY):
        meeting = meetings[m_index]
        source = f"qmsum/meeting-{m_index:02d}.txt"
        files[source] = meeting_text(meeting, m_index)
        turns = meeting["meeting_transcripts"]
        for q_index, q in enumerate(meeting.get("specific_query_list", [])):
            span = _span_text(q, turns)
            fact = shared_run(q.get("answer", ""), span, q["query"])
            if fact is None:
                skipped += 1
                continue
            questions.append(ExternalQuestion(f"qm-{m_index:02d}-{q_index}", q["query"], [fact],
                                              [source], "query"))
    return ExternalSet("qmsum", questions[:limit], files=files,
                       notes={"meetings": len(files), "queries_without_shared_run": skipped,
                              "queries_usable": len(questions)})


def _span_text(query: dict[str, Any], turns: list[dict[str, Any]]) -> str:
    parts = []
    for a, b in query.get("relevant_text_span", []):
        for t in range(int(a), min(int(b), len(turns) - 1) + 1):
            parts.append(detokenise(turns[t].get("content") or ""))
    return " ".join(parts)


# -- real PDFs ------------------------------------------------------------------------------------
_VERBS = {"is": "is", "are": "are", "aims to": "aim to do", "aims at": "aim at",
          "allows": "allow", "enables": "enable", "permits": "permit", "consists of": "consist of",
          "consists in": "consist in", "intends to": "intend to do", "includes": "include",
          "provides": "provide", "helps": "help", "requires": "require", "refers to": "refer to",
          "corresponds to": "correspond to", "represents": "represent", "describes": "describe",
          "offers": "offer", "contains": "contain", "shows": "show", "means": "mean",
          "focuses on": "focus on", "gives": "give"}
_CLAIM = re.compile(r"^(?P<subj>(?:(?:The|A|An) )?[A-Za-z][\w-]*(?: [\w-]+){0,5}?) (?P<verb>"
                    + "|".join(sorted(map(re.escape, _VERBS), key=len, reverse=True))
                    + r") (?P<rest>[^.]{12,})\.?$")
# "is described in", "are invited to": a passive, whose "rest" answers no "What is ...?"
_PASSIVE = re.compile(r"^(?:\w+ly )?(?:\w+ed|made|given|known|seen|shown|done|taken|held|"
                      r"led|built|set|put|kept|run|split|sent|told)\b")
# words that show the "subject" is already a clause ("The facilitator identifies ideas which")
_NOT_SUBJECT = frozenset("""which that who whom whose where when while if because it they we this
these those there is are was were has have had can could will would should may might must not
also then thus here""".split())


def pdf_questions(sentences: list[tuple[str, str]], limit: int) -> list[ExternalQuestion]:
    """(source, sentence) pairs in reading order -> questions on unique subjects."""
    claims = []
    for source, sentence in sentences:
        m = _CLAIM.match(" ".join(sentence.split()))
        subject = words(m["subj"]).split() if m else []
        if m and not set(subject) & _NOT_SUBJECT and any(w not in STOP for w in subject) \
                and len(m["rest"].split()) >= 4:
            claims.append((source, m))
    count: dict[str, int] = {}
    for _, m in claims:
        count[words(m["subj"])] = count.get(words(m["subj"]), 0) + 1
    out = []
    for source, m in claims:
        subj, verb = m["subj"], m["verb"]
        if count[words(subj)] > 1 or (verb in ("is", "are") and _PASSIVE.match(m["rest"])):
            continue
        if subj.split()[0] in ("The", "A", "An"):
            subj = subj[0].lower() + subj[1:]
        q = f"What {verb} {subj}?" if verb in ("is", "are") else f"What does {subj} {_VERBS[verb]}?"
        fact = " ".join(m["rest"].split()[:4])
        out.append(ExternalQuestion(f"pdf-{len(out):03d}", q, [fact], [source], verb))
    if len(out) > limit:  # an even spread over the documents' reading order
        step = len(out) / limit
        out = [out[int(i * step)] for i in range(limit)]
    return out


_NUMBER = (r"\d{1,3}(?:,\d{3})*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"fifteen|twenty|thirty|forty|fifty|hundred")
_COUNT = re.compile(rf"(?:^|[\s,(])(?P<num>{_NUMBER}) "
                    r"(?P<noun>(?:[a-z][a-z-]* )?[a-z][a-z-]*[^s\W]s)"
                    r"\b(?P<rest>(?: [A-Za-z][\w-]*){2,8})", re.I)
_NOT_NOUN = frozenset("is was has gives helps displays others times its this thus".split())
_FRENCH = frozenset("les des est une dans pour du aux sont le la et".split())


def count_questions(sentences: list[tuple[str, str]]) -> list[ExternalQuestion]:
    """"... 73 different ideas for this session ..." -> "How many different ideas for this
    session?" (fact "73"); a noun counted with two different numbers gives no question."""
    found = []
    for source, sentence in sentences:
        text = " ".join(sentence.split())
        m = _COUNT.search(text)
        if not m or set(words(m["noun"]).split()) & (_NOT_NOUN | STOP) \
                or re.fullmatch(r"(19|20)\d\d", m["num"]):
            continue
        rest = m["rest"].split()
        while rest and rest[-1].lower() in STOP:
            rest.pop()
        if len(rest) >= 2:
            found.append((source, m["num"], m["noun"].lower(), " ".join(rest)))
    numbers: dict[str, set[str]] = {}
    for _, num, noun, _ in found:
        numbers.setdefault(noun, set()).add(num.lower())
    seen: set[str] = set()
    out = []
    for source, num, noun, rest in found:
        if len(numbers[noun]) == 1 and noun not in seen:
            seen.add(noun)
            out.append(ExternalQuestion("", f"How many {noun} {rest}?", [f"{num} {noun}"],
                                        [source], "how many"))
    return out


def english(text: str) -> bool:
    """Not French: under 3 % of its words are French function words."""
    ws = words(text).split()
    return bool(ws) and sum(w in _FRENCH for w in ws) / len(ws) < 0.03


def real_pdfs(folder: Path, limit: int) -> ExternalSet:
    from ingest.loaders import load
    from kb.sentences import split_sentences

    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs:
        raise UsageError(f"no PDF files in {folder}")
    sentences = []
    for path in pdfs:
        doc = load(path, path.name)
        text = " ".join(u.text for u in doc.units)
        if english(text):
            sentences += [(path.name, s) for u in doc.units for _, s in split_sentences(u.text)]
    questions = pdf_questions(sentences, limit) + count_questions(sentences)
    if len(questions) > limit:  # an even spread over both kinds and the documents
        step = len(questions) / limit
        questions = [questions[int(i * step)] for i in range(limit)]
    for i, q in enumerate(questions):
        q.id = f"pdf-{i:03d}"
    return ExternalSet("real-pdfs", questions, folder=folder,
                       notes={"documents": len(pdfs), "sentences": len(sentences)})
