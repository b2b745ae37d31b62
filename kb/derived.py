"""Keeping the derived indexes (BM25 and the chunk table, ``kb.lexical`` and ``kb.chunktable``) in
step with the chunks in the store, for the writer and for every reader."""

from __future__ import annotations

import threading
import time

import numpy as np

from kb.chunktable import ChunkTable, TableBuilder
from kb.lexical import SearchIndex
from kb.models import embed_text
from kb.store import Store


def rebuild_index(store: Store, finish: bool = False) -> SearchIndex:
    """Build BM25 from every stored chunk and save it. The writer (``finish``) also drops orphan
    chunks (no document record: a crash between writes) and then publishes a new generation."""
    records = store.records()
    ids, texts, doc_ids, languages, orphans = [], [], [], [], []
    table = TableBuilder(store.count())
    for page_ids, page_texts, page_metas, page_vectors in store.iter_chunks(embeddings=True):
        keep = []
        for row, (cid, text, meta) in enumerate(zip(page_ids, page_texts, page_metas,
                                                    strict=True)):
            if meta.get("doc_id") not in records:
                orphans.append(cid)
                continue
            keep.append(row)
            ids.append(cid)
            texts.append(embed_text(meta, text))
            doc_ids.append(meta["doc_id"])
            languages.append(records[meta["doc_id"]].get("language"))
        table.add(np.asarray(page_vectors, dtype=np.float32)[keep],
                  [page_texts[i] for i in keep], [page_metas[i] for i in keep])
    if finish and orphans:
        store.chunks.delete(ids=orphans)
    generation = f"{time.time():.6f}-new" if finish else store.generation()
    index = SearchIndex.build(ids, texts, doc_ids, generation, table=table.table(),
                               languages=languages)
    if finish:
        index.save(store.cache_dir)
        store.set_state(generation=generation)
    return index


def lexical_in_step(store: Store) -> bool:
    generation = store.generation()
    if generation.startswith("dirty-"):
        return False
    saved = SearchIndex.load(store.cache_dir)
    return saved is not None and saved.generation == generation and saved.table is not None


class SearchIndexCache:
    """A reader's BM25 and chunk table: reloaded or rebuilt when the store's generation moves on
    (checked at most every ``interval`` seconds). While an ingest is running (a ``dirty-``
    generation) the last good index keeps answering."""

    def __init__(self, store: Store, interval: float = 1.0) -> None:
        self.store = store
        self.interval = interval
        self._index: SearchIndex | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def get(self) -> SearchIndex:
        now = time.monotonic()
        with self._lock:
            if self._index is not None and now - self._checked < self.interval:
                return self._index
            self._checked = now
            generation = self.store.generation()
            if self._index is not None and (self._index.generation == generation
                                            or generation.startswith("dirty-")):
                return self._index
            if self._index is not None:
                self.store.refresh()  # another process wrote: see its vectors too
            saved = SearchIndex.load(self.store.cache_dir)
            if saved is not None and saved.table is not None and (
                    saved.generation == generation or generation.startswith("dirty-")):
                self._index = saved
            else:
                self._index = rebuild_index(self.store)
                if not generation.startswith("dirty-"):
                    try:
                        self._index.save(self.store.cache_dir)
                    except OSError:
                        pass  # a read-only cache folder: keep the index in memory
                    else:  # the saved table is memory-mapped: shared, and paged in as used
                        mapped = ChunkTable.load(self.store.cache_dir, generation)
                        if mapped is not None:
                            self._index.table = mapped
            return self._index

    def expire(self) -> None:
        """Check the store's generation at the next ``get`` (this process just wrote to it)."""
        with self._lock:
            self._checked = 0.0
