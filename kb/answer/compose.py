"""Extractive answers in the shape the question asks for (``kb.answer.question.SHAPES``), grounded
by construction: every sentence is stored text with its ``[n]``.

- ``fact``: the best sentence first, then at most ``FACT_SUPPORT`` supporting ones; a value the
  lead document states as a field ("Typical cost: EUR 4 500") that the question asks for leads;
- ``procedure``: the method's own entry (a document with step sections: ``STEPS``) leads with
  what it is in one sentence (under the entry's own first heading: "Purpose", "Syfte"), then the
  key sentence of each step section it has, in its order (``key_sentence``: central to its
  section and close to the question);
  then "Also in:" the best sentence of up to ``ALSO_IN`` other sources;
- ``list``: up to ``LIST_ITEMS`` distinct documents that match about as well as the best one,
  each with its title, identifying fields and best sentence;
- ``passage`` (anything else): the best sentence first, supporting sentences after it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kb.answer.extractive import Citer, Sentence, pick
from kb.models import Citation, Hit, Item

Records = Mapping[str, Mapping[str, Any]]  # doc_id -> the document's record (every field)

FACT_SUPPORT = 2
LIST_ITEMS = 8
LIST_MIN = 0.6  # a listed document's best passage scores at least this share of the best's
ALSO_IN = 2
# how a method's step sections are headed, by the step they are (English, Swedish, Norwegian,
# Danish, Finnish, German): a heading that starts with one of these is that step (a slide title
# such as "Ten weeks of preparation" is not a step section)
STEP_HEADINGS = {
    "resources": ("resource", "budget", "costs", "what you need", "materials", "resurs", "ressurs",
                  "ressource", "resurssi"),
    "preparation": ("prepar", "before", "planning", "getting started", "förbered", "forbered",
                    "valmistel", "vorbereit"),
    "execution": ("execution", "implementation", "on the day", "running the", "during",
                  "delivery", "carrying out", "genomför", "gjennomfør", "gennemfør", "udførelse",
                  "toteutus", "durchführ"),
    "follow-up": ("follow up", "follow-up", "followup", "after", "evaluation", "uppfölj",
                  "oppfølg", "opfølg", "seuranta", "jatkotoim", "nachbereit"),
}
STEPS = tuple(STEP_HEADINGS)
# identifying fields of a list item, by document kind
ID_FIELDS = {"report": ("coordinator", "years"), "toolbox": ("category", "contributed_by"),
             "transcript": ("presenter", "date")}
# document fields a fact question may ask for: (field, label, what the question says)
FIELD_QUESTIONS = (
    ("typical_cost", "Typical cost", r"\b(?:cost|costs|price|budget|expensive)\b"),
    ("lead_time", "Lead time", r"\blead time\b|\bhow (?:far|long) (?:ahead|in advance|before)\b"),
    ("duration", "Duration",
     r"\bhow long (?:does|did|is|was) (?:\w+\s+){1,5}?(?:take|last|run)\b|\bduration\b|"
     r"\bwhen (?:was|were|did|is|does) (?:\w+\s+){1,6}?(?:run|running|carried out)\b"),
    ("funding", "Funding", r"\bfunding\b|\bhow much (?:money|funding|grant)\b|\bfunded with\b"),
    ("coordinator", "Coordinator",
     r"\bwho (?:coordinated|coordinates|led|leads)\b|\bcoordinator\b"),
    ("presenter", "Presenter", r"\bwho (?:presented|presents|gave|spoke at)\b|\bpresenter\b"),
    ("host", "Host", r"\bwho (?:hosted|hosts|moderated|moderates|chaired)\b|\bmoderator\b"),
    ("date", "Date", r"\bwhen (?:was|is|were|did) (?:\w+\s+){0,6}?(?:webinar|recording|talk|"
                     r"session|meeting)\b|\b(?:what|which) date\b"),
)
_DATE = re.compile(r"\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|"
                   r"October|November|December) (?:19|20)\d\d\b")


@dataclass
class Draft:
    """A composed answer before abstention is judged."""

    text: str = ""
    citations: list[Citation] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    shape: str = "passage"
    sources: list[Hit] = field(default_factory=list)  # what an LLM reads, when not the hits


def passage(ranked: list[Sentence], n: int) -> Draft:
    """The best sentence first, the next best after it."""
    citer = Citer()
    text = " ".join(citer.marked(s) for s in pick(ranked, n))
    return Draft(text, citer.citations())


def fact(ranked: list[Sentence], focus: str, records: Records | None = None,
         kinds: tuple[str, ...] = ()) -> Draft:
    """The best sentence first, at most ``FACT_SUPPORT`` after it; led by the fields the question
    asks for (``asked_fields``). When a field comes from a document of the kind the question
    names rather than the best sentence's, the sentences are that document's."""
    chosen = pick(ranked, 1 + FACT_SUPPORT)
    if not chosen:
        return Draft(shape="fact")
    citer = Citer()
    leads = asked_fields(ranked, focus, records, kinds)
    if leads and leads[0][1].hit.doc_id != chosen[0].hit.doc_id:  # the document it asks about
        chosen = pick([s for s in ranked if s.hit.doc_id == leads[0][1].hit.doc_id],
                      1 + FACT_SUPPORT)
    parts = [f"{line} [{citer.cite(s)}]" for line, s in leads]
    parts += [citer.marked(s) for s in chosen if not any(_same(s.text, line) for line, _ in leads)]
    return Draft(" ".join(parts), citer.citations(), shape="fact")


def asked_fields(ranked: list[Sentence], focus: str, records: Records | None = None,
                 kinds: tuple[str, ...] = ()) -> list[tuple[str, Sentence]]:
    """Each document field the question asks for (``FIELD_QUESTIONS``) as "Label: value", in
    the order it asks, with the sentence whose document states it (``records``: the store's
    document records, which hold every field; a passage carries only a few). The field is the
    best sentence's document's. When that document lacks it and the question names the kind of
    document it means (``kinds``: "Who presented the webinar on vouchers?", best matched in a
    report that mentions webinars), it is the next document of that kind that has it, in order
    of the sentences, among those whose passage matches about as well as the best
    (``LIST_MIN``)."""
    if not ranked:
        return []
    top = max(s.hit.score for s in ranked) or 1.0
    firsts: dict[str, Sentence] = {}
    for s in ranked:
        firsts.setdefault(s.hit.doc_id, s)
    best, *rest = firsts.values()
    candidates = [best, *(s for s in rest if s.hit.kind in kinds and s.hit.kind != best.hit.kind
                          and s.hit.score >= LIST_MIN * top)]
    asked = sorted((m.start(), key, label) for key, label, pattern in FIELD_QUESTIONS
                   if (m := re.search(pattern, focus, re.I)))  # in the order the question asks
    out = []
    for _, key, label in asked:
        for s in candidates:
            value = field_value(fields_of(s.hit, records), key)
            if value not in (None, ""):
                out.append((f"{label}: {value}", s))
                break
    return out


def _same(sentence: str, line: str) -> bool:
    """A sentence that only says the field line again ("**Funding:** EUR 4 850 000", "Project
    duration: June 2018 - November 2021" after "Duration: June 2018 - November 2021")."""
    words, said = re.findall(r"\w+", sentence.lower()), re.findall(r"\w+", line.lower())
    value = said[1:] if len(said) > 1 else said
    text = " ".join(words)
    return f" {' '.join(value)} " in f" {text} " and len(words) <= len(said) + 3


def fields_of(hit: Hit, records: Records | None = None) -> dict[str, Any]:
    """The fields of ``hit``'s document: its record's (``records``), then the passage's own."""
    return {**((records or {}).get(hit.doc_id) or {}), **hit.metadata}


def listing(ranked: list[Sentence], hits: list[Hit], records: Records | None = None) -> Draft:
    """Up to ``LIST_ITEMS`` documents that match about as well as the best one (their best
    passage's score at least ``LIST_MIN`` of the best's), in retrieval order, each once with
    its best sentence."""
    best: dict[str, Sentence] = {}
    for s in ranked:
        best.setdefault(s.hit.doc_id, s)
    top = max((h.score for h in hits), default=0.0)
    docs = [d for d in dict.fromkeys(h.doc_id for h in hits
                                     if h.score >= LIST_MIN * top) if d in best]
    citer = Citer()
    items, lines = [], []
    for s in [best[d] for d in docs][:LIST_ITEMS]:
        n = citer.cite(s)
        fields = identifying_fields(s.hit, records)
        items.append(Item(title=s.hit.title, sentence=s.text, n=n, fields=fields))
        said = f" ({', '.join(str(v) for v in fields.values())})" if fields else ""
        lines.append(f"- {s.hit.title}{said}: {s.text.rstrip()} [{n}]")
    return Draft("\n".join(lines), citer.citations(), items, "list")


def identifying_fields(hit: Hit, records: Records | None = None) -> dict[str, str]:
    """The fields that identify a document of its kind (``ID_FIELDS``) that it has."""
    meta = fields_of(hit, records)
    found = {key: field_value(meta, key) for key in ID_FIELDS.get(hit.kind, ())}
    return {key: value for key, value in found.items() if value}


def field_value(meta: Mapping[str, Any], key: str) -> str | None:
    """A document's field as people read it: its own value, its years ("2018-2021") or the
    date its description states (a recording's "7 March 2024")."""
    if key == "years" and meta.get("start_year"):
        start, end = meta["start_year"], meta.get("end_year", meta["start_year"])
        return f"{start}-{end}" if end != start else str(start)
    if key == "date" and not meta.get("date"):
        m = _DATE.search(str(meta.get("description") or ""))
        return m.group(0) if m else None
    return str(meta[key]) if meta.get(key) not in (None, "") else None


def step_of(section: str | None) -> str | None:
    """The step (``STEPS``) a section heading names ("Follow up and evaluation", "3.
    Förberedelser"), or None."""
    name = " ".join(re.findall(r"[^\W\d_]+(?:-[^\W\d_]+)?", (section or "").lower()))
    return next((step for step, stems in STEP_HEADINGS.items() if name.startswith(stems)), None)


def is_method(sections: list[str | None]) -> bool:
    """A document laid out as a method: sections for at least two of its steps (``STEPS``)."""
    return len({step_of(s) for s in sections} - {None}) >= 2


def procedure(entry: list[Sentence], others: list[Sentence], focus: str = "",
              records: Records | None = None) -> Draft:
    """The outline of a method's entry (``entry``: its sentences, best first) in its own order,
    led by a field of the entry the question asks for ("How do I run it, and what does it
    cost?": "Typical cost: EUR 4 500"), then "Also in:" other sources (``others``, best first)
    whose passage matches about as well as the best (``LIST_MIN``)."""
    order = list(dict.fromkeys((s.hit.chunk_id, s.hit.section) for s in
                               sorted(entry, key=lambda s: (_chunk_no(s.hit), s.offset))))
    sections = list(dict.fromkeys(sec for _, sec in order))
    citer = Citer()
    items, lines = [], []
    title = entry[0].hit.title if entry else ""
    lines += [f"{line} [{citer.cite(s)}]" for line, s in asked_fields(entry, focus, records)]
    for i, section in enumerate(sections):
        name = (section or "").strip()
        if i and step_of(name) is None:
            continue
        best = key_sentence([s for s in entry if s.hit.section == section])
        if best is None:
            continue
        n = citer.cite(best)
        label = name if name and name != title else "What it is"  # its own heading, its language
        items.append(Item(title=label, sentence=best.text, n=n))
        lines.append(f"{label}: {best.text.rstrip()} [{n}]")
    head = f"{title}\n" if title else ""
    top = max((s.hit.score for s in others), default=0.0)
    also = pick([s for s in others if s.hit.doc_id != (entry[0].hit.doc_id if entry else "")
                 and s.hit.score >= LIST_MIN * top], ALSO_IN, list(entry))
    one_per_doc = list({s.hit.doc_id: s for s in reversed(also)}.values())[::-1]
    if one_per_doc:
        lines.append("Also in: " + " ".join(
            f"{s.hit.title}: {citer.marked(s)}" for s in one_per_doc))
    return Draft(head + "\n".join(lines), citer.citations(), items, "procedure")


def key_sentence(sentences: list[Sentence]) -> Sentence | None:
    """The sentence of a section that best says what the section says and is close to the
    question: the highest sum of its cosine to the section's mean vector and to the question."""
    with_vectors = [s for s in sentences if s.vector is not None and not s.text.startswith("|")]
    if not with_vectors:
        return sentences[0] if sentences else None
    vectors = np.stack([s.vector for s in with_vectors])
    centre = vectors.mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-9)
    central = vectors @ centre
    return max(zip(with_vectors, central, strict=True), key=lambda p: p[0].cosine + p[1])[0]


def _chunk_no(hit: Hit) -> int:
    try:
        return int(hit.chunk_id.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0
