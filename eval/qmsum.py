"""Transcript retrieval on QMSum-style meetings: does a top-k hit land on a relevant moment?

Each meeting (one JSON line: ``meeting_transcripts`` as ``{"speaker", "content"}`` turns, and
``specific_query_list`` with ``relevant_text_span`` as turn-index ranges) becomes a timestamped
transcript: turns in order, timed at ``WORDS_PER_MINUTE`` with no pauses, so turn ``i`` starts at
(words before it) / 150 minutes. A relevant span ``[a, b]`` covers the start of turn ``a`` to the
end of turn ``b``.

A query hits at rank r when the r-th result of a search over all meetings at once comes from the
query's meeting and its [start, end] overlaps a relevant span. Reported: hit@1/5/10 and MRR@10,
for "Summarize the discussion about ..." queries (``summary``) and for the others (``specific``)
apart. The plain llama-index pipeline is scored the same way in the same run (``eval.qmsum_peer``).

Tuning (``tune``): every windowing and weight setting is scored on every meeting once; the
meetings are split into two halves (even and odd position in the file), the setting with the best
specific hit@5 on one half is reported on the other, and the two held-out halves are pooled.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kb.errors import UsageError
from kb.models import Document, Unit
from kb.settings import Settings

if TYPE_CHECKING:
    from kb.embedding import Embedder


WORDS_PER_MINUTE = 150.0
KS = (1, 5, 10)
GROUPS = ("specific", "summary")
_SUMMARY = re.compile(r"^\s*(please\s+)?summari[sz]e\b", re.I)

Log = Callable[[str], None]


@dataclass
class Query:
    qid: str
    text: str
    source: str  # the meeting's document source
    spans: list[tuple[float, float]]  # relevant stretches, seconds
    group: str  # "specific" or "summary"
    meeting: int  # position of the meeting in the file (the folds split on it)


@dataclass
class Meeting:
    index: int
    document: Document
    queries: list[Query]
    topics: list[float] = field(default_factory=list)  # where each listed topic starts, seconds


def default_path() -> Path:
    """The QMSum val split in ``shared/eval-data/qmsum/`` of the nearest folder above the
    checkout that has one."""
    here = Path(__file__).resolve()
    for base in here.parents:
        path = base / "shared" / "eval-data" / "qmsum" / "val.jsonl"
        if path.exists():
            return path
    return here.parents[2] / "shared" / "eval-data" / "qmsum" / "val.jsonl"


def turn_times(turns: Sequence[str], wpm: float = WORDS_PER_MINUTE) -> list[tuple[float, float]]:
    """(start, end) seconds of each turn, spoken back to back at ``wpm`` words a minute."""
    out, t = [], 0.0
    for text in turns:
        length = len(text.split()) * 60.0 / wpm
        out.append((round(t, 2), round(t + length, 2)))
        t += length
    return out


def load(path: str | Path | None = None) -> list[Meeting]:
    path = Path(path) if path else default_path()
    if not path.exists():
        raise UsageError(f"{path}: no such file (the QMSum split, see eval-data/SOURCES.md)")
    meetings = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if line.strip():
            try:
                meetings.append(meeting(json.loads(line), i))
            except (KeyError, TypeError, ValueError) as exc:
                raise UsageError(f"{path}: line {i + 1} is not a QMSum meeting ({exc})") from exc
    return meetings


def meeting(row: dict[str, Any], index: int) -> Meeting:
    turns = [(str(t.get("speaker") or "").strip() or None, " ".join(str(t["content"]).split()))
             for t in row["meeting_transcripts"]]
    times = turn_times([text for _, text in turns])
    units = [Unit(text=text, start=s, end=e, speaker=who)
             for (who, text), (s, e) in zip(turns, times, strict=True) if text]
    source = f"qmsum/meeting-{index:02d}.txt"
    speakers = list(dict.fromkeys(u.speaker for u in units if u.speaker))
    doc = Document(source=source, kind="transcript", title=f"Meeting {index}", units=units,
                   metadata={"speakers": speakers,
                             "duration_seconds": round(times[-1][1]) if times else 0})
    queries = []
    for n, q in enumerate(row.get("specific_query_list") or []):
        spans = []
        for a, b in q["relevant_text_span"]:
            a, b = int(a), min(int(b), len(times) - 1)
            if 0 <= a <= b:
                spans.append((times[a][0], times[b][1]))
        if spans:
            group = "summary" if _SUMMARY.match(q["query"]) else "specific"
            queries.append(Query(f"m{index:02d}-q{n:02d}", q["query"].strip(), source, spans,
                                 group, index))
    firsts = [int(t["relevant_text_span"][0][0]) for t in row.get("topic_list") or []
              if t.get("relevant_text_span")]
    topics = sorted({times[i][0] for i in firsts if i < len(times)})
    return Meeting(index, doc, queries, topics)


def overlaps(start: float | None, end: float | None, spans: Iterable[tuple[float, float]]) -> bool:
    if start is None:
        return False
    end = start if end is None else end
    return any(start <= b and a <= end for a, b in spans)


def first_rank(results: Sequence[tuple[str, float | None, float | None]], query: Query,
               k: int = 10) -> int | None:
    """1-based rank of the first result (source, start, end) on a relevant moment, within k."""
    for rank, (source, start, end) in enumerate(results[:k], start=1):
        if source == query.source and overlaps(start, end, query.spans):
            return rank
    return None


def scores(ranks: dict[str, int | None], queries: Sequence[Query]) -> dict[str, dict[str, Any]]:
    """hit@1/5/10 and MRR@10 per group of queries (and all), from each query's first rank."""
    out = {}
    for group in (*GROUPS, "all"):
        chosen = [q for q in queries if group in ("all", q.group)]
        n = len(chosen)
        row: dict[str, Any] = {"queries": n}
        for k in KS:
            row[f"hit@{k}"] = _mean([1.0 if (r := ranks[q.qid]) and r <= k else 0.0
                                     for q in chosen])
        row["mrr@10"] = _mean([1.0 / r if (r := ranks[q.qid]) else 0.0 for q in chosen])
        out[group] = row
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


# -- kb -------------------------------------------------------------------------------------------
def build_store(meetings: Sequence[Meeting], settings: Settings,
                embedder: Embedder | None = None) -> int:
    """Write the meetings into ``settings.store`` (unchanged ones are kept); its chunk count."""
    from ingest.pipeline import write_documents

    write_documents([m.document for m in meetings], settings, embedder=embedder)
    from kb.store import Store

    return Store(settings).count()


def kb_ranks(meetings: Sequence[Meeting], settings: Settings, embedder: Embedder | None = None,
             k: int = 10,
             mode: str = "search") -> dict[str, int | None]:
    """Each query's first relevant rank over the store of all meetings: ``search`` as ``kb
    search`` ranks (named speakers preferred); ``ask`` as ``ask`` retrieves its passages (a
    discussion's topic searched, up to ``ANSWER_PER_DOC`` windows of one meeting);
    ``in_meeting`` as ``kb search`` filtered to the query's meeting, ``k`` windows of it (a user
    who knows which recording to ask about: where in it)."""
    from kb.answer.recording import search_query
    from kb.api import ANSWER_PER_DOC, KnowledgeBase
    from kb.models import Filters
    from kb.speakers import named_speakers

    kb_ = KnowledgeBase(settings, embedder=embedder)
    known = kb_.retriever.known_speakers()
    ranks = {}
    for q in queries_of(meetings):
        if mode == "ask":
            hits = kb_.retriever.search(search_query(q.text), k=k, max_per_doc=ANSWER_PER_DOC,
                                        speakers=named_speakers(q.text, known))
        elif mode == "in_meeting":
            hits = kb_.retriever.search(q.text, k=k, filters=Filters(sources=[q.source]),
                                        max_per_doc=k, speakers=named_speakers(q.text, known))
        else:
            hits = kb_.search(q.text, k=k)
        ranks[q.qid] = first_rank([(h.source, h.start, h.end) for h in hits], q, k)
    return ranks


# -- chapters -------------------------------------------------------------------------------------
CHAPTER_TOLERANCE = 120.0


def boundary_f1(found: Sequence[float], true: Sequence[float],
                tolerance: float = CHAPTER_TOLERANCE) -> float:
    """F1 of chapter boundaries: a found boundary within ``tolerance`` seconds of a true one
    (each true one matched once)."""
    if not found or not true:
        return 1.0 if not found and not true else 0.0
    left, matched = list(true), 0
    for b in found:
        near = [t for t in left if abs(t - b) <= tolerance]
        if near:
            left.remove(min(near, key=lambda t: abs(t - b)))
            matched += 1
    p, r = matched / len(found), matched / len(true)
    return 2 * p * r / (p + r) if matched else 0.0


def chapter_scores(meetings: Sequence[Meeting], settings: Settings) -> dict[str, Any]:
    """kb's chapter boundaries against the starts of QMSum's listed topics (after the first),
    beside the same number of boundaries spaced evenly over the meeting."""
    from kb.chapters import loads
    from kb.store import Store

    records = Store(settings).records()
    ours, even, counts = [], [], []
    for m in meetings:
        true = [t for t in m.topics if t > 0]
        found = [c.start for c in loads(records.get(m.document.doc_id, {}).get("chapters"))][1:]
        length = float(m.document.units[-1].end or 0.0)
        spaced = [length * (i + 1) / (len(found) + 1) for i in range(len(found))]
        ours.append(boundary_f1(found, true))
        even.append(boundary_f1(spaced, true))
        counts.append((len(found) + 1, len(true) + 1))
    return {"tolerance_seconds": CHAPTER_TOLERANCE, "boundary_f1": _mean(ours),
            "evenly_spaced_f1": _mean(even),
            "chapters_per_meeting": _mean([float(a) for a, _ in counts]),
            "topics_per_meeting": _mean([float(b) for _, b in counts])}


# -- tuning ---------------------------------------------------------------------------------------
# (window seconds, overlap seconds, window tokens)
WINDOWS = ((75.0, 0.0, 200), (75.0, 30.0, 200), (120.0, 0.0, 400), (120.0, 60.0, 400),
           (180.0, 0.0, 600))
DENSE_WEIGHTS = (0.2, 0.3, 0.5, 0.7)
SPEAKER_BOOSTS = (0.0, 0.1, 0.2)


def config_settings(settings: Settings, window: float, overlap: float,
                    tokens: int = 200) -> Settings:
    """The eval store of one windowing under ``settings.store`` (answer-sentence vectors off:
    only retrieval is measured)."""
    name = f"qmsum-w{window:g}-o{overlap:g}" + ("" if tokens == 200 else f"-t{tokens}")
    return settings.with_(store=Path(settings.store) / name, cue_window_seconds=window,
                          cue_overlap_seconds=overlap, cue_window_tokens=tokens,
                          sentence_vectors=False)


def sweep(meetings: Sequence[Meeting], settings: Settings, embedder: Embedder | None = None,
          windows: Sequence[tuple[float, float, int]] = WINDOWS,
          weights: Sequence[float] = DENSE_WEIGHTS, boosts: Sequence[float] = SPEAKER_BOOSTS,
          log: Log = print) -> list[dict[str, Any]]:
    """Every (window, overlap, dense_weight, speaker_boost): the store's chunk count and each
    query's first rank in ``kb search``."""
    rows = []
    for window, overlap, tokens in windows:
        s = config_settings(settings, window, overlap, tokens)
        chunks = build_store(meetings, s, embedder)
        for w in weights:
            for boost in boosts:
                ranks = kb_ranks(meetings, s.with_(dense_weight=w, speaker_boost=boost), embedder)
                rows.append({"cue_window_seconds": window, "cue_overlap_seconds": overlap,
                             "cue_window_tokens": tokens, "dense_weight": w,
                             "speaker_boost": boost, "chunks": chunks, "ranks": ranks})
                got = scores(ranks, queries_of(meetings))
                log(f"qmsum: window {window:g} s/{tokens} tokens, overlap {overlap:g} s, "
                    f"dense_weight {w:g}, "
                    f"speaker_boost {boost:g}: specific hit@5 {got['specific']['hit@5']}, "
                    f"summary {got['summary']['hit@5']}")
    return rows


def queries_of(meetings: Iterable[Meeting]) -> list[Query]:
    return [q for m in meetings for q in m.queries]


def cross_validate(meetings: Sequence[Meeting], rows: Sequence[dict[str, Any]],
                   metric: str = "hit@5") -> dict[str, Any]:
    """Two folds over the meetings (even and odd positions): each half is scored with the
    setting that had the best specific ``metric`` (then MRR@10) on the other half; the two
    held-out halves are pooled."""
    halves = [[m for m in meetings if m.index % 2 == f] for f in (0, 1)]
    folds, pooled = [], {}
    for f in (0, 1):
        train, test = queries_of(halves[1 - f]), queries_of(halves[f])
        best = max(rows, key=lambda r: _key(scores(r["ranks"], train)["specific"], metric))
        folds.append({"held_out": "even meetings" if f == 0 else "odd meetings",
                      "chosen": _config(best), "train": scores(best["ranks"], train),
                      "test": scores(best["ranks"], test)})
        pooled.update({q.qid: best["ranks"][q.qid] for q in test})
    return {"folds": folds, "pooled": scores(pooled, queries_of(meetings))}


def _key(row: dict[str, Any], metric: str) -> tuple[float, float]:
    return (row[metric] or 0.0, row["mrr@10"] or 0.0)


def _config(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("cue_window_seconds", "cue_overlap_seconds",
                                    "cue_window_tokens", "dense_weight", "speaker_boost",
                                    "chunks")}


# -- the eval -------------------------------------------------------------------------------------
def run(settings: Settings, path: str | Path | None = None, tune: bool = False,
        log: Log = print) -> dict[str, Any]:
    """``kb eval --qmsum``: kb with the configured settings (or, ``tune``, every setting of the
    grid, cross-validated over halves of the meetings) and the plain llama-index pipeline, on
    the same meetings and queries. Stores go under ``settings.store``."""
    from kb.embedding import get_embedder

    meetings = load(path)
    queries = queries_of(meetings)
    embedder = get_embedder(settings)
    out: dict[str, Any] = {
        "dataset": str(path or default_path()), "meetings": len(meetings),
        "queries": {g: sum(q.group == g for q in queries) for g in GROUPS},
        "words_per_minute": WORDS_PER_MINUTE,
        "hit": "a top-k chunk of the query's meeting whose [start, end] overlaps a relevant span",
    }
    configured = {"cue_window_seconds": settings.cue_window_seconds,
                  "cue_overlap_seconds": settings.cue_overlap_seconds,
                  "cue_window_tokens": settings.cue_window_tokens,
                  "dense_weight": settings.dense_weight, "speaker_boost": settings.speaker_boost}
    if tune:
        rows = sweep(meetings, settings, embedder, log=log)
        out["cross_validated"] = cross_validate(meetings, rows)
        out["grid"] = [{**_config(r), **scores(r["ranks"], queries)} for r in rows]
    s = config_settings(settings, settings.cue_window_seconds, settings.cue_overlap_seconds,
                        settings.cue_window_tokens)
    chunks = build_store(meetings, s, embedder)
    out["kb"] = {"settings": {**configured, "chunks": chunks},
                 "search": scores(kb_ranks(meetings, s, embedder), queries),
                 "ask_retrieval": scores(kb_ranks(meetings, s, embedder, mode="ask"), queries),
                 "in_meeting": scores(kb_ranks(meetings, s, embedder, mode="in_meeting"),
                                      queries),
                 "chapters": chapter_scores(meetings, s)}
    log("qmsum: the llama-index baseline")
    from eval.qmsum_peer import llama_index_ranks

    peer = llama_index_ranks(meetings)
    out["llama_index"] = {"nodes": peer["nodes"], "pipeline": peer["pipeline"],
                          "search": scores(peer["ranks"], queries)}
    return out


def table(out: dict[str, Any]) -> str:
    """The eval as text: one row per system and group."""
    from eval.cli import table as render

    rows = []
    systems = [("kb search (configured)", out["kb"]["search"]),
               ("kb ask retrieval", out["kb"]["ask_retrieval"]),
               ("llama-index", out["llama_index"]["search"]),
               ("kb search in the right meeting", out["kb"]["in_meeting"])]
    if "cross_validated" in out:
        systems.insert(0, ("kb search, 2-fold CV", out["cross_validated"]["pooled"]))
    for name, got in systems:
        for g in GROUPS:
            rows.append([f"{name} / {g}", got[g]["queries"], *(got[g][f"hit@{k}"] for k in KS),
                         got[g]["mrr@10"]])
    q = out["queries"]
    head = (f"QMSum ({out['meetings']} meetings, {q['specific']} specific and {q['summary']} "
            f"summary queries; turns timed at {out['words_per_minute']:g} words a minute)\n"
            f"kb settings: {out['kb']['settings']}\n\n")
    text = head + render(["system / queries", "n", "hit@1", "hit@5", "hit@10", "MRR@10"], rows)
    ch = out["kb"]["chapters"]
    text += (f"\nchapters: boundary F1 {ch['boundary_f1']} (within {ch['tolerance_seconds']:g} s "
             f"of a listed topic's start; evenly spaced: {ch['evenly_spaced_f1']}), "
             f"{ch['chapters_per_meeting']} chapters and {ch['topics_per_meeting']} topics "
             "a meeting")
    for fold in out.get("cross_validated", {}).get("folds", []):
        text += (f"\nheld out {fold['held_out']}: chosen {fold['chosen']}, specific hit@5 "
                 f"{fold['test']['specific']['hit@5']}")
    return text
