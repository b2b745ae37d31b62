"""The store seam: one Chroma collection of chunks (vectors, verbatim text, metadata) and one of
document records (the manifest), embedded or on a Chroma server. Only this module talks to chromadb.

A chunk's text is kept in its metadata (``kb_text``), not in Chroma's ``documents``: Chroma builds
a full-text index over documents on every write, and kb never uses it (its lexical side is BM25).
Stores written by older kb keep their text in ``documents``; reads take either.

Crash safety: a document is written as pending record -> chunk upserts -> stale chunk deletes ->
done record (with the file's hash). Ids are deterministic, so redoing a half-written document
converges. The ``generation`` in the state record changes whenever chunks change; derived indexes
(BM25) are rebuilt when theirs differs.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from kb.errors import ModelMismatchError, StoreError
from kb.models import Chunk, DocInfo
from kb.settings import Settings

STATE_ID = "__kb_state__"
LEASE_ID = "__kb_lease__"
TEXT_KEY = "kb_text"
# chromadb keeps one client system per folder and process, and creating it (or a new store's
# tenant and collections) from two threads at once fails inside chromadb ("Could not connect to
# tenant default_tenant", "'RustBindingsAPI' object has no attribute 'bindings'"): one at a time.
_OPEN_LOCK = threading.Lock()
_RECORD_KEYS = ("source", "path", "root", "hash", "kind", "title", "chunks", "state", "doc_id")


class Store:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._open()

    def _open(self) -> None:
        settings = self.settings
        with _OPEN_LOCK:
            self.client = _client(settings)
            try:
                self.chunks = self.client.get_or_create_collection(
                    f"{settings.collection}_chunks", embedding_function=None,
                    metadata={"hnsw:space": "cosine"})
                self.docs = self.client.get_or_create_collection(
                    f"{settings.collection}_docs", embedding_function=None)
            except Exception as exc:  # chromadb raises many types (connection, sqlite, ...)
                raise StoreError(f"cannot open the store at {self.location}: {exc}") from exc
        self.max_batch = _max_batch(self.client)

    def refresh(self) -> None:
        """See what other processes wrote. An embedded chromadb keeps one in-memory view per folder
        and process; drop it and open a fresh one (a server always answers with the latest)."""
        if self.settings.chroma_url:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        with _OPEN_LOCK:
            SharedSystemClient._identifier_to_system.pop(str(self.settings.store / "chroma"), None)
        self._open()

    @property
    def location(self) -> str:
        return self.settings.chroma_url or str(self.settings.store)

    @property
    def cache_dir(self) -> Path:
        """Where this process keeps derived indexes (BM25) for this store."""
        if not self.settings.chroma_url:
            return self.settings.store / "lexical"
        key = hashlib.sha1(
            f"{self.settings.chroma_url}/{self.settings.collection}".encode()).hexdigest()
        return self.settings.store / f"lexical-{key[:12]}"

    # -- the state record: model, chunking, generation ------------------------------------------
    def state(self) -> dict[str, Any]:
        got = self.docs.get(ids=[STATE_ID], include=["metadatas"])
        return dict(got["metadatas"][0]) if got["ids"] else {}

    def check_settings(self, dim: int | None = None) -> None:
        """Refuse a store built with another model or chunking than the configured one."""
        state = self.state()
        wanted = self.settings.index_record()
        # The backend is recorded but not enforced: torch, onnx and onnx-int8 run the same model
        # (SciFact nDCG@10 0.645-0.648 for every mix of query and corpus backends).
        diffs = [f"{k[3:]}={state[k]!r} (configured: {v!r})" for k, v in wanted.items()
                 if k in state and state[k] != v and k != "kb_backend"]
        if dim is not None and "kb_dim" in state and state["kb_dim"] != dim:
            diffs.append(f"dim={state['kb_dim']} (configured model: {dim})")
        if diffs:
            raise ModelMismatchError(
                f"the store at {self.location} was built with " + ", ".join(diffs)
                + "; use the same settings, or ingest into a new store (--store DIR)")

    def set_state(self, **changes: Any) -> None:
        meta = {**self.state(), **changes}
        self.docs.upsert(ids=[STATE_ID], embeddings=[[0.0]], metadatas=[meta])

    def generation(self) -> str:
        return str(self.state().get("generation", ""))

    def begin_write(self, dim: int) -> None:
        """Record the settings and mark the derived indexes stale before touching any chunk."""
        self.set_state(**self.settings.index_record(), kb_dim=dim,
                       generation=f"dirty-{uuid.uuid4().hex}")

    # -- the writer's lease (a lock that lives in the collection, for a shared server) -----------
    def take_lease(self, owner: dict[str, Any], ttl: float) -> dict[str, Any] | None:
        """Take the writer's lease unless someone else holds a live one; returns the holder."""
        got = self.docs.get(ids=[LEASE_ID], include=["metadatas"])
        if got["ids"]:
            holder = dict(got["metadatas"][0])
            if holder.get("token") == owner["token"] or not _lease_alive(holder):
                self.docs.delete(ids=[LEASE_ID])
            else:
                return holder
        lease = {**owner, "expires": time.time() + ttl}
        self.docs.add(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[lease])  # first writer wins
        got = self.docs.get(ids=[LEASE_ID], include=["metadatas"])
        holder = dict(got["metadatas"][0]) if got["ids"] else lease
        if holder.get("token") == owner["token"]:
            self.docs.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[lease])
            return None
        return holder

    def renew_lease(self, token: str, ttl: float) -> bool:
        """Push our lease's expiry on; False if the lease is no longer ours."""
        got = self.docs.get(ids=[LEASE_ID], include=["metadatas"])
        if not got["ids"] or got["metadatas"][0].get("token") != token:
            return False
        lease = {**got["metadatas"][0], "expires": time.time() + ttl}
        self.docs.upsert(ids=[LEASE_ID], embeddings=[[0.0]], metadatas=[lease])
        return True

    def release_lease(self, token: str) -> None:
        got = self.docs.get(ids=[LEASE_ID], include=["metadatas"])
        if got["ids"] and got["metadatas"][0].get("token") == token:
            self.docs.delete(ids=[LEASE_ID])

    # -- documents -------------------------------------------------------------------------------
    def records(self) -> dict[str, dict[str, Any]]:
        """Every document record (pending or done), by doc_id."""
        got = self.docs.get(include=["metadatas"])
        return {i: dict(m) for i, m in zip(got["ids"], got["metadatas"], strict=True)
                if i not in (STATE_ID, LEASE_ID)}

    def documents(self) -> list[DocInfo]:
        return sorted((_docinfo(m) for m in self.records().values() if m.get("state") == "done"),
                      key=lambda d: d.source)

    def write_batch(self, docs: list[tuple[dict[str, Any], list[Chunk], np.ndarray]]) -> None:
        """Write (record, chunks, vectors) of several documents with a handful of Chroma calls (a
        call costs ~10 ms whatever its size: one per document made ingest 1.6x slower than the
        encoder), keeping every document's order: record ``pending`` -> its chunks upserted -> its
        stale chunks deleted -> record ``done``. A crash anywhere leaves ``pending`` records,
        which the next ingest redoes."""
        if not docs:
            return
        ids = [record["doc_id"] for record, _, _ in docs]
        before = self.docs.get(ids=ids, include=["metadatas"])
        gone = _gone_keys(before["ids"], before["metadatas"])
        self.docs.upsert(ids=ids, embeddings=[[0.0]] * len(ids),
                         metadatas=[{**gone.get(record["doc_id"], {}), **record,
                                     "state": "pending"} for record, _, _ in docs])
        chunks = [c for _, part, _ in docs for c in part]
        vectors = np.concatenate([v for _, part, v in docs if part]) if chunks else None
        old = (self.chunks.get(where={"doc_id": {"$in": before["ids"]}}, include=["metadatas"])
               if before["ids"] else {"ids": [], "metadatas": []})
        old_chunks = _gone_keys(old["ids"], old["metadatas"])
        for i in range(0, len(chunks), self.max_batch):
            part = chunks[i:i + self.max_batch]
            self.chunks.upsert(ids=[c.id for c in part], embeddings=vectors[i:i + self.max_batch],
                               metadatas=[{**old_chunks.get(c.id, {}), **_chroma_meta(c.metadata),
                                           TEXT_KEY: c.text} for c in part])
        keep = {c.id for c in chunks}
        stored = self.chunks.get(where={"doc_id": {"$in": ids}}, include=[])["ids"]
        stale = [i for i in stored if i not in keep]
        if stale:
            self.chunks.delete(ids=stale)
        self.docs.upsert(ids=ids, embeddings=[[0.0]] * len(ids),
                         metadatas=[{**gone.get(record["doc_id"], {}), **record,
                                     "chunks": len(part), "state": "done"}
                                    for record, part, _ in docs])

    def delete_document(self, doc_id: str) -> None:
        """Record says pending -> chunks go -> record goes: a crash in between is redone."""
        got = self.docs.get(ids=[doc_id], include=["metadatas"])
        if got["ids"]:
            self.docs.upsert(ids=[doc_id], embeddings=[[0.0]],
                             metadatas=[{**got["metadatas"][0], "state": "pending"}])
        self.chunks.delete(where={"doc_id": doc_id})
        self.docs.delete(ids=[doc_id])

    # -- chunks ----------------------------------------------------------------------------------
    def count(self) -> int:
        return self.chunks.count()

    def query(self, vector: np.ndarray, n: int,
              where: dict | None = None) -> list[tuple[str, float, str, dict[str, Any]]]:
        """Nearest chunks: (id, cosine similarity, text, metadata)."""
        if n <= 0:
            return []
        res = self.chunks.query(query_embeddings=[vector], n_results=n, where=where,
                                include=["documents", "metadatas", "distances"])
        return [(i, 1.0 - float(d), *_text_meta(t, m)) for i, d, t, m in
                zip(res["ids"][0], res["distances"][0], res["documents"][0], res["metadatas"][0],
                    strict=True)]

    def nearest(self, vector: np.ndarray, n: int,
                where: dict | None = None) -> list[tuple[str, float]]:
        """Nearest chunk ids and their cosine similarity, without text: a third of the cost of
        ``query`` (the text of most candidates is never shown). Chroma returns fewer than ``n``
        when the collection is smaller, so there is no ``count()`` round trip first."""
        if n <= 0:
            return []
        res = self.chunks.query(query_embeddings=[vector], n_results=n, where=where,
                                include=["distances"])
        return [(i, 1.0 - float(d)) for i, d in
                zip(res["ids"][0], res["distances"][0], strict=True)]

    def get(self, ids: list[str] | None = None, embeddings: bool = False, text: bool = True,
            where: dict | None = None) -> dict[str, Any]:
        """These chunks (or those matching ``where``): ``ids``, and ``texts`` and ``metadatas``
        when ``text``, ``embeddings`` when asked."""
        include = ((["documents", "metadatas"] if text else [])
                   + (["embeddings"] if embeddings else []))
        return _unpack(self.chunks.get(ids=ids, where=where, include=include), text)

    def iter_chunks(self, page: int = 1000, embeddings: bool = False) -> Iterator[tuple]:
        """Every chunk in pages, in storage order: (ids, texts, metadatas), and their vectors
        last when ``embeddings``."""
        include = ["documents", "metadatas"] + (["embeddings"] if embeddings else [])
        offset = 0
        while True:
            got = _unpack(self.chunks.get(include=include, limit=page, offset=offset), True)
            if not got["ids"]:
                return
            yield (got["ids"], got["texts"], got["metadatas"],
                   *([got["embeddings"]] if embeddings else []))
            offset += len(got["ids"])


def _lease_alive(holder: dict[str, Any]) -> bool:
    """A lease counts until it expires, or until its process is known to be gone."""
    if float(holder.get("expires", 0)) < time.time():
        return False
    if holder.get("host") == socket.gethostname():
        try:
            os.kill(int(holder.get("pid", 0)), 0)
        except (ProcessLookupError, ValueError):
            return False
        except PermissionError:
            return True
    return True


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    try:
        if settings.chroma_url:
            url = urlparse(settings.chroma_url)
            if not url.hostname:
                raise StoreError(f"KB_CHROMA_URL {settings.chroma_url!r} is not a URL like http://host:8000")
            return chromadb.HttpClient(host=url.hostname, port=url.port or 8000,
                                       ssl=url.scheme == "https", settings=chroma_settings)
        settings.store.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.store / "chroma"),
                                         settings=chroma_settings)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            f"cannot open the store at {settings.chroma_url or settings.store}: {exc}") from exc


def _max_batch(client) -> int:
    try:
        return int(client.get_max_batch_size())
    except Exception:
        return 1000


def _text_meta(document: str | None, meta: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """A stored chunk's text and its metadata without the text."""
    meta = dict(meta or {})
    text = meta.pop(TEXT_KEY, None)
    return (document if text is None else text) or "", meta


def _unpack(got: dict[str, Any], text: bool) -> dict[str, Any]:
    """Chroma's ``get`` result with ``texts`` taken out of the metadata (or ``documents``)."""
    out = {"ids": got["ids"]}
    if text:
        pairs = [_text_meta(d, m) for d, m in zip(got["documents"], got["metadatas"], strict=True)]
        out["texts"] = [t for t, _ in pairs]
        out["metadatas"] = [m for _, m in pairs]
    if got.get("embeddings") is not None:
        out["embeddings"] = got["embeddings"]
    return out


def _chroma_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in meta.items():
        if not k.strip() or k.startswith("#"):
            continue  # keys Chroma refuses
        if isinstance(v, (list, tuple)):
            v = [str(x) for x in v if x not in (None, "")]
            if not v:
                continue
        elif v is None or v == "":
            continue
        elif not isinstance(v, (str, int, float, bool)):
            v = str(v)
        out[k] = v
    return out


def record_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return _chroma_meta(meta)


def _docinfo(m: dict[str, Any]) -> DocInfo:
    extra = {k: v for k, v in m.items() if k not in _RECORD_KEYS and k not in ("mtime", "size")}
    if isinstance(extra.get("chapters"), str):  # stored as JSON (records hold flat values)
        from kb.chapters import loads

        extra["chapters"] = [c.to_dict() for c in loads(extra["chapters"])]
    return DocInfo(doc_id=m["doc_id"], source=m["source"], kind=m.get("kind", "document"),
                   title=m.get("title", m["source"]), chunks=int(m.get("chunks", 0)),
                   path=m.get("path", ""), metadata=extra)


def _gone_keys(ids: list[str], metadatas: list[dict[str, Any] | None]) -> dict[str, dict]:
    """For each stored id, its metadata keys set to None: spread under a new metadata, they
    remove the keys it no longer has (Chroma's upsert merges metadata; None deletes a key)."""
    return {i: dict.fromkeys(m or {}) for i, m in zip(ids, metadatas, strict=True)}
