"""Hybrid retrieval: dense and BM25 candidates, both scored for every candidate, fused, filtered at
the document level and diversified (at most ``max_per_doc`` chunks per document).

A search makes at most one Chroma call (the HNSW query, above ``Settings.exact_max_chunks``
chunks): the vectors, text and metadata of every chunk are in the chunk table saved with BM25
(``kb.chunktable``)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.chunktable import ChunkTable
from kb.derived import SearchIndexCache
from kb.fusion import fuse_scoped
from kb.lexical import SearchIndex
from kb.models import Filters, Hit
from kb.sentences import SENTENCE_KEY
from kb.settings import Settings
from kb.speakers import as_list, known_speakers, speaker_mask
from kb.store import Store

if TYPE_CHECKING:
    from kb.embedding import Embedder


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self.lexical = SearchIndexCache(store)
        self._records: dict[str, dict[str, Any]] = {}
        self._records_generation: str | None = None
        self._speaker_masks: dict[tuple, np.ndarray] = {}
        self._lock = threading.Lock()

    def records(self) -> dict[str, dict[str, Any]]:
        """Document records (done only), refreshed when the lexical index moves to a new
        generation."""
        lex = self.lexical.get()
        with self._lock:
            if self._records_generation != lex.generation:
                self._records = {k: v for k, v in self.store.records().items()
                                 if v.get("state") == "done"}
                self._records_generation = lex.generation
            return self._records

    def search(self, query: str, k: int = 10, filters: Filters | None = None,
               max_per_doc: int | None = None, qvec: np.ndarray | None = None,
               speakers: Sequence[str] | None = None) -> list[Hit]:
        """``speakers``: preferred speakers (a question names them): their chunks join the
        candidates and get ``Settings.speaker_boost`` added to their fused score."""
        query = query.strip()
        if not query or k <= 0:
            return []
        records = self.records()
        allowed = allowed_docs(filters, records)
        if allowed is not None and not allowed:
            return []
        if qvec is None:
            qvec = self.embedder.embed_query(query)
        lex, n = self.lexical.get(), max(self.settings.candidates, k * 3)
        only = self.speaker_mask(lex, as_list(filters.speaker)) if filters and filters.speaker \
            else None
        pool = self.scored_pool(query, qvec, n, allowed, lex, only)
        prefer = self.speaker_mask(lex, speakers) if speakers else None
        if prefer is not None and prefer.any() and self.settings.speaker_boost > 0:
            both = prefer if only is None else prefer & only
            pool = pool.merged(self.scored_pool(query, qvec, n, allowed, lex, both))
        if not pool.ids:
            return []
        fused = fuse_scoped(pool.dense, pool.lexical, pool.lexical_max, self.settings.dense_weight,
                            self.settings.fusion, self.settings.fusion_scope, pool.doc_ids)
        if prefer is not None and prefer.any():
            fused = fused + self.settings.speaker_boost * np.array(
                [bool(prefer[lex.position[c]]) if c in lex.position else False
                 for c in pool.ids], dtype=np.float32)
        order = [int(i) for i in np.argsort(-fused, kind="stable")]
        chosen = diversify(order, [pool.doc_ids[i] for i in order], k,
                           self.settings.max_per_doc if max_per_doc is None else max_per_doc)
        # Only the chosen few are read back with their text and metadata.
        rows = self._rows(lex, [pool.ids[i] for i in chosen])
        hits = [_hit(pool.ids[i], float(fused[i]), *rows[pool.ids[i]])
                for i in chosen if pool.ids[i] in rows]  # (a chunk gone from Chroma and the table)
        return flagged(hits, records)

    def speaker_mask(self, lex: SearchIndex, names: Sequence[str]) -> np.ndarray:
        """The chunks (rows of ``lex``) in which one of these speakers talks; kept per BM25
        generation."""
        key = (lex.generation, tuple(sorted(n.lower() for n in names)))
        with self._lock:
            if key in self._speaker_masks:
                return self._speaker_masks[key]
        mask = speaker_mask(lex, self.records(), names)
        with self._lock:
            if len(self._speaker_masks) > 64:
                self._speaker_masks.clear()
            self._speaker_masks[key] = mask
        return mask

    def known_speakers(self) -> list[str]:
        return known_speakers(self.records())

    def scored_pool(self, query: str, qvec: np.ndarray, n: int, allowed: set[str] | None = None,
                    lex: SearchIndex | None = None,
                    only: np.ndarray | None = None) -> ScoredPool:
        """The candidate pool of one query, both sides scored for every candidate: the ``n``
        nearest chunks (exact, or Chroma's HNSW in a big store) and the ``n`` best BM25 chunks,
        within the allowed documents (and, given ``only``, among the chunks it marks True).
        BM25-only candidates get their cosine from their stored vector. ``lex``: the BM25 index
        and chunk table to use (default: the current ones)."""
        lex = self.lexical.get() if lex is None else lex
        if not len(lex):  # an empty store
            return ScoredPool([], [], np.zeros(0, np.float32), np.zeros(0, np.float32), 1.0)
        terms = lex.query_terms(query)  # the query in each language of the collection
        lex_scores = lex.scores([t for tokens in terms.values() for t in tokens])
        if allowed is not None and len(lex_scores):
            lex_scores = np.where(lex.mask(allowed), lex_scores, 0.0)
        if only is not None and len(lex_scores):
            lex_scores = np.where(only, lex_scores, 0.0)
        bm25_top = [int(i) for i in _top(lex_scores, n) if lex_scores[i] > 0]
        table = lex.table
        if only is not None:
            dense, cosines = self._within(table, lex, qvec, n, allowed, only), None
        elif len(table) <= self.settings.exact_max_chunks:
            dense, cosines = self._exact(table, lex, qvec, n, allowed)
        else:
            dense, cosines = dict(self._dense(qvec, n, allowed)), None
        missing = sorted(i for i in bm25_top if lex.ids[i] not in dense)  # storage order
        if missing:
            found = cosines[missing] if cosines is not None else table.cosines(missing, qvec)
            dense.update(zip((lex.ids[i] for i in missing), map(float, found), strict=True))
        ids = list(dense)
        return ScoredPool(
            ids=ids, doc_ids=[doc_of(c) for c in ids],
            dense=np.fromiter(dense.values(), dtype=np.float32, count=len(ids)),
            lexical=np.array([lex_scores[lex.position[c]] if c in lex.position else 0.0
                              for c in ids], dtype=np.float32),
            lexical_max=lex.max_score(lex.best_terms(terms)))

    def _within(self, table: ChunkTable, lex: SearchIndex, qvec: np.ndarray, n: int,
                allowed: set[str] | None, only: np.ndarray) -> dict[str, float]:
        """The exact ``n`` nearest of the chunks ``only`` marks (and the allowed documents hold):
        a chunk-level filter, such as a speaker's turns, is a small part of the table."""
        keep = only if allowed is None else only & lex.mask(allowed)
        positions = [int(i) for i in np.flatnonzero(keep)]
        if not positions:
            return {}
        cosines = table.cosines(positions, qvec)
        return {lex.ids[positions[i]]: float(cosines[i]) for i in _top(cosines, n)}

    def _rows(self, lex: SearchIndex, ids: list[str]) -> dict[str, tuple[str | None, dict]]:
        """Text and metadata of these chunks: from the chunk table of BM25's generation, from
        Chroma for a chunk the table does not hold (found by HNSW, written since)."""
        rows = {c: lex.table.row(lex.position[c]) for c in ids if c in lex.position}
        rest = [c for c in ids if c not in rows]
        if rest:
            got = self.store.get(rest)
            rows.update((cid, (text, meta)) for cid, text, meta in
                        zip(got["ids"], got["texts"], got["metadatas"], strict=True))
        return rows

    def _exact(self, table: ChunkTable, lex: SearchIndex, qvec: np.ndarray, n: int,
               allowed: set[str] | None) -> tuple[dict[str, float], np.ndarray]:
        """The exact ``n`` nearest chunks (allowed ones) of BM25's generation, and every chunk's
        cosine. ``vecdot`` is numpy's own loop: a BLAS ``@`` starts threads that, on a busy
        machine, make it 50x slower at the 95th percentile."""
        cosines = np.vecdot(table.vectors, qvec)
        ranked = cosines if allowed is None else np.where(lex.mask(allowed), cosines, -np.inf)
        top = [int(i) for i in _top(ranked, n) if ranked[i] > -np.inf]
        return {lex.ids[i]: float(cosines[i]) for i in top}, cosines

    def _dense(self, qvec: np.ndarray, n: int, allowed: set[str] | None) -> list[tuple[str, float]]:
        """Nearest chunks within the allowed documents. A filtered Chroma query is several times
        slower than a plain one, so first look among the nearest ``4n`` overall: if ``n`` of them
        pass the filter they are exactly the filtered top ``n``."""
        if allowed is None:
            return self.store.nearest(qvec, n)
        nearest = self.store.nearest(qvec, 4 * n)
        wide = [row for row in nearest if doc_of(row[0]) in allowed]
        if len(wide) >= n or len(nearest) < 4 * n:  # enough, or the whole collection was seen
            return wide[:n]
        return self.store.nearest(qvec, n, where={"doc_id": {"$in": sorted(allowed)}})

    def similar(self, doc_id: str, k: int = 5) -> list[Hit]:
        """Documents most like a stored one: the mean of its chunk vectors, best chunk per
        document."""
        got = self.store.get(where={"doc_id": doc_id}, embeddings=True, text=False)
        if not len(got["ids"]):
            return []
        centroid = np.asarray(got["embeddings"], dtype=np.float32).mean(axis=0)
        centroid /= max(float(np.linalg.norm(centroid)), 1e-9)
        rows = self.store.query(centroid, max(self.settings.candidates, k * 10),
                                where={"doc_id": {"$ne": doc_id}})
        hits = [_hit(cid, score, text, meta) for cid, score, text, meta in rows]
        return diversify(hits, [h.doc_id for h in hits], k, 1)


def _top(scores: np.ndarray, n: int) -> np.ndarray:
    if len(scores) <= n:
        return np.argsort(-scores)
    part = np.argpartition(-scores, n)[:n]
    return part[np.argsort(-scores[part])]


def diversify(items: list, doc_ids: list[str], k: int, max_per_doc: int) -> list:
    """The first ``k`` items in order, with at most ``max_per_doc`` from one document
    (``doc_ids[i]`` is the document of ``items[i]``)."""
    out, per_doc = [], {}
    for item, doc_id in zip(items, doc_ids, strict=True):
        if per_doc.get(doc_id, 0) >= max_per_doc:
            continue
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
        out.append(item)
        if len(out) == k:
            break
    return out


def doc_of(chunk_id: str) -> str:
    """A chunk's document: chunk ids are ``<doc_id>:<n>`` (``ingest.chunking``)."""
    return chunk_id.rsplit(":", 1)[0]


@dataclass
class ScoredPool:
    """One query's candidate chunks with their cosine and BM25 scores (parallel lists)."""

    ids: list[str]
    doc_ids: list[str]
    dense: np.ndarray
    lexical: np.ndarray
    lexical_max: float

    def merged(self, other: ScoredPool) -> ScoredPool:
        """This pool and the candidates of ``other`` it lacks (same query: same scores)."""
        seen = set(self.ids)
        extra = [i for i, c in enumerate(other.ids) if c not in seen]
        return ScoredPool(self.ids + [other.ids[i] for i in extra],
                          self.doc_ids + [other.doc_ids[i] for i in extra],
                          np.concatenate([self.dense, other.dense[extra]]),
                          np.concatenate([self.lexical, other.lexical[extra]]),
                          self.lexical_max)


_LOCATION = ("page", "start", "end", "speaker", "section", "slide", "sheet", "row", "ocr")
_BASE = ("doc_id", "source", "title", "kind", "chunk", *_LOCATION)


def _hit(chunk_id: str, score: float, text: str, meta: dict[str, Any]) -> Hit:
    return Hit(doc_id=meta["doc_id"], chunk_id=chunk_id, source=meta["source"],
               title=meta.get("title", ""), kind=meta.get("kind", "document"), text=text or "",
               score=round(score, 6), page=meta.get("page"), start=meta.get("start"),
               end=meta.get("end"), speaker=meta.get("speaker"), section=meta.get("section"),
               slide=meta.get("slide"), sheet=meta.get("sheet"), row=meta.get("row"),
               ocr=bool(meta.get("ocr")),
               metadata={k: v for k, v in meta.items() if k not in _BASE and k != SENTENCE_KEY},
               sentence_vectors=meta.get(SENTENCE_KEY))


def flagged(hits: list[Hit], records: dict[str, dict[str, Any]]) -> list[Hit]:
    """The hits, each marked in its metadata with what its document's record says and its chunks
    do not: ``illustrative`` when the document is (cards and citations show it), and the
    ``language`` it is written in (the answerer judges its sentences' words in it)."""
    for h in hits:
        rec = records.get(h.doc_id, {})
        if _true(rec.get("illustrative")):
            h.metadata["illustrative"] = True
        if rec.get("language") and not h.metadata.get("language"):
            h.metadata["language"] = rec["language"]
    return hits


def _true(value: Any) -> bool:
    """A stored flag: True, or its text in a record ("True")."""
    return value is True or str(value).strip().lower() in ("true", "1", "yes")


def allowed_docs(filters: Filters | None, records: dict[str, dict[str, Any]]) -> set[str] | None:
    """The doc_ids that pass the filters; None when there are no filters (everything passes)."""
    if filters is None or filters.is_empty():
        return None
    return {doc_id for doc_id, rec in records.items() if matches(filters, rec)}


def _one_of(value: Any, wanted: str | list[str] | None) -> bool:
    if not wanted:
        return True
    wanted = [wanted] if isinstance(wanted, str) else wanted
    return str(value or "").lower() in {w.lower() for w in wanted}


def matches(f: Filters, rec: dict[str, Any]) -> bool:
    if not _one_of(rec.get("kind"), f.kind) or not _one_of(rec.get("category"), f.category):
        return False
    if f.tags:
        raw = rec.get("tags") or []
        tags = {str(t).lower() for t in (raw if isinstance(raw, list) else [raw])}
        if not tags & {t.lower() for t in f.tags}:
            return False
    for field in ("coordinator", "contributed_by"):
        wanted = getattr(f, field)
        if wanted and wanted.lower() not in str(rec.get(field) or "").lower():
            return False
    if f.organisation:
        org = f.organisation.lower()
        if not any(org in str(rec.get(x) or "").lower() for x in ("coordinator", "contributed_by")):
            return False
    if f.year_from is not None or f.year_to is not None:
        try:
            start = int(rec["start_year"])
            end = int(rec.get("end_year", start))
        except (KeyError, TypeError, ValueError):
            return False
        if f.year_from is not None and int(end) < f.year_from:
            return False
        if f.year_to is not None and int(start) > f.year_to:
            return False
    if f.sources and rec.get("source") not in f.sources:
        return False
    if not _one_of(rec.get("language"), f.language):
        return False
    if f.speaker:
        said = {s.lower() for s in as_list(rec.get("speakers"))}
        if not said & {s.lower() for s in as_list(f.speaker)}:
            return False
    return True
