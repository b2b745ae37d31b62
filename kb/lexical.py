"""The lexical side of hybrid search: BM25 (bm25s) over each chunk's title, section and text.

Derived state: built from the chunks in the store, saved beside it with the store generation it was
built from, and rebuilt whenever the store's generation differs (another process ingested, or an
ingest crashed half-way).
"""

from __future__ import annotations

import json
import math
import re
import shutil
import tempfile
import threading
from collections import Counter
from pathlib import Path

import numpy as np

from kb.chunktable import ChunkTable

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STEM_LOCK = threading.Lock()
_STEMMER = None


def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | {"s", "t", "does", "do", "how", "what", "which", "who", "why"}


STOPWORDS = _stopwords()


def tokenize(text: str) -> list[str]:
    """Lower-cased, stop words removed, Snowball-stemmed (English) word tokens."""
    global _STEMMER
    words = [w for w in _WORD.findall(text.lower()) if w not in STOPWORDS]
    with _STEM_LOCK:
        if _STEMMER is None:
            import Stemmer

            _STEMMER = Stemmer.Stemmer("english")
        return _STEMMER.stemWords(words)


class LexicalIndex:
    def __init__(self, retriever, ids: list[str], doc_ids: list[str], df: dict[str, int],
                 generation: str, k1: float, b: float, table: ChunkTable | None = None) -> None:
        self.retriever = retriever
        self.table = table  # the chunks' vectors, texts and metadata, row for row (kb.chunktable)
        self.ids = ids
        self.doc_list = list(dict.fromkeys(doc_ids))
        self.doc_position = {d: i for i, d in enumerate(self.doc_list)}
        self.doc_index = np.asarray([self.doc_position[d] for d in doc_ids], dtype=np.int32)
        self.position = {cid: i for i, cid in enumerate(ids)}
        self.df = df
        self.generation = generation
        self.k1, self.b = k1, b

    # -- building and persistence ----------------------------------------------------------------
    @classmethod
    def build(cls, ids: list[str], texts: list[str], doc_ids: list[str], generation: str,
              k1: float = 0.9, b: float = 0.4, table: ChunkTable | None = None) -> LexicalIndex:
        import bm25s

        tokens = [tokenize(t) or [""] for t in texts]
        retriever = bm25s.BM25(k1=k1, b=b)
        if tokens:
            retriever.index(tokens, show_progress=False)
        df = Counter(tok for toks in tokens for tok in set(toks))
        return cls(retriever if tokens else None, ids, doc_ids, dict(df), generation, k1, b, table)

    def save(self, folder: Path) -> None:
        """Write to a temporary folder, then swap it in, so a reader never sees half an index."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=folder.parent))
        if self.retriever is not None:
            self.retriever.save(str(tmp / "bm25"), show_progress=False)
        if self.table is not None:
            self.table.save(tmp, self.generation)
        (tmp / "index.json").write_text(json.dumps({
            "generation": self.generation, "ids": self.ids,
            "doc_ids": [self.doc_list[i] for i in self.doc_index],
            "df": self.df, "k1": self.k1, "b": self.b}))
        old = folder.with_name(folder.name + ".old")
        if folder.exists():
            shutil.rmtree(old, ignore_errors=True)
            folder.rename(old)
        tmp.rename(folder)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex | None:
        import bm25s

        try:
            meta = json.loads((folder / "index.json").read_text())
            retriever = (bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
                         if (folder / "bm25").exists() else None)
        except (OSError, ValueError, KeyError):
            return None
        table = ChunkTable.load(folder, meta["generation"])
        if table is not None and len(table) != len(meta["ids"]):
            table = None
        return cls(retriever, meta["ids"], meta["doc_ids"], meta["df"], meta["generation"],
                   meta["k1"], meta["b"], table)

    # -- querying --------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """BM25 of every chunk. A term the query repeats counts once: a claim that names a thing
        twice is not about it twice (SciFact train nDCG@10: hybrid +0.002, BM25 alone +0.006)."""
        if self.retriever is None or not query_tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        known = [t for t in dict.fromkeys(query_tokens) if t in self.df]
        if not known:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(known), dtype=np.float32)

    def mask(self, doc_ids: set[str]) -> np.ndarray:
        """True for the chunks of these documents."""
        wanted = [self.doc_position[d] for d in doc_ids if d in self.doc_position]
        return np.isin(self.doc_index, np.asarray(wanted, dtype=np.int32))

    def idf(self, token: str) -> float:
        n, df = max(len(self.ids), 1), self.df.get(token, 0)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def unknown_share(self, query_tokens: list[str]) -> float:
        """The share of the query's idf mass carried by terms the collection never uses: high for
        questions about something else entirely ("capital of Australia")."""
        unseen = math.log(1.0 + (len(self.ids) + 0.5) / 0.5)
        weights = {t: (self.idf(t) if t in self.df else unseen) for t in set(query_tokens)}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t not in self.df) / total if total else 1.0

    def max_score(self, query_tokens: list[str]) -> float:
        """An upper bound of a chunk's BM25 score for this query: every term, saturated."""
        return sum(self.idf(t) * (self.k1 + 1.0) for t in set(query_tokens) if t in self.df) or 1.0
