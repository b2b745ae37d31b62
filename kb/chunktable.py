"""Every chunk's vector, text and metadata at one store generation, held beside BM25 (same rows,
same ids, saved in the same folder and swapped in with it), so that a search needs no Chroma call
besides the nearest-neighbour query: the BM25-only candidates' cosines and the chosen hits' text
come from here.

Files (in the lexical folder): ``vectors.npy`` (float32, one row per chunk), ``rows.bin`` (each
chunk's ``[text, metadata]`` as UTF-8 JSON, concatenated), ``rows.npy`` (the offsets) and
``table.json`` (the generation, read last: a folder swapped in meanwhile is noticed). The vectors
and rows are memory-mapped: the pages are the operating system's file cache, shared between the
processes that serve one store, and only the rows that searches touch are read.
"""

from __future__ import annotations

import json
import mmap
from pathlib import Path
from typing import Any

import numpy as np

VECTORS, ROWS, OFFSETS, INFO = "vectors.npy", "rows.bin", "rows.npy", "table.json"


class ChunkTable:
    def __init__(self, vectors: np.ndarray, offsets: np.ndarray,
                 rows: bytes | bytearray | mmap.mmap) -> None:
        self.vectors = vectors
        self.offsets = offsets
        self.rows = rows

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def save(self, folder: Path, generation: str) -> None:
        np.save(folder / VECTORS, self.vectors)
        np.save(folder / OFFSETS, self.offsets)
        with open(folder / ROWS, "wb") as f:
            f.write(self.rows)
        (folder / INFO).write_text(json.dumps({"generation": generation}))

    @classmethod
    def load(cls, folder: Path, generation: str) -> ChunkTable | None:
        """The saved table of this generation, or None: none saved (an older kb), a broken one,
        or one of another generation (the folder was swapped while it was being read)."""
        try:
            vectors = _mapped_npy(folder / VECTORS)
            offsets = np.load(folder / OFFSETS)
            rows = _mapped(folder / ROWS) if offsets[-1] else b""
            saved = json.loads((folder / INFO).read_text())["generation"]
        except (OSError, ValueError, KeyError, IndexError):
            return None
        if (saved != generation or vectors.ndim != 2 or len(vectors) != len(offsets) - 1
                or len(rows) != offsets[-1]):
            return None
        return cls(vectors, offsets, rows)

    def cosines(self, positions: list[int], qvec: np.ndarray) -> np.ndarray:
        """These chunks' cosine with a normalised query (the stored vectors are normalised)."""
        return np.asarray(self.vectors[positions], dtype=np.float32) @ qvec

    def row(self, position: int) -> tuple[str | None, dict[str, Any]]:
        """A chunk's text and metadata, as Chroma returned them when the table was built."""
        text, meta = json.loads(self.rows[self.offsets[position]:self.offsets[position + 1]])
        return text, meta


class TableBuilder:
    """A table filled page by page with no second copy of it (a rebuild of 100k chunks held
    every page and then joined them: +470 MB of peak memory instead of ~200 MB)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = max(capacity, 1)
        self.vectors: np.ndarray | None = None
        self.count = 0
        self.rows = bytearray()
        self.offsets = [0]

    def add(self, vectors: np.ndarray, texts: list[str | None],
            metas: list[dict[str, Any]]) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts) or len(texts) != len(metas):
            raise ValueError(f"{len(texts)} texts, {len(metas)} metadatas, vectors {vectors.shape}")
        if self.vectors is None:
            self.vectors = np.empty((self.capacity, vectors.shape[1]), dtype=np.float32)
        if self.count + len(vectors) > len(self.vectors):  # more chunks than counted: grow
            grown = max(2 * len(self.vectors), self.count + len(vectors))
            self.vectors = np.concatenate([self.vectors, np.empty(
                (grown - len(self.vectors), self.vectors.shape[1]), dtype=np.float32)])
        self.vectors[self.count:self.count + len(vectors)] = vectors
        self.count += len(vectors)
        for text, meta in zip(texts, metas, strict=True):
            self.rows += json.dumps([text, meta], ensure_ascii=False).encode()
            self.offsets.append(len(self.rows))

    def table(self) -> ChunkTable:
        vectors = (self.vectors[:self.count] if self.vectors is not None
                   else np.zeros((0, 0), dtype=np.float32))
        return ChunkTable(vectors, np.asarray(self.offsets, dtype=np.int64), self.rows)


def _mapped(path: Path) -> mmap.mmap:
    """A read-only map of a file that reads only the pages touched (no read-ahead): a search
    reads a few scattered rows, and read-ahead would make most of the file resident."""
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mapped, "madvise") and hasattr(mmap, "MADV_RANDOM"):
        mapped.madvise(mmap.MADV_RANDOM)
    return mapped


def _mapped_npy(path: Path) -> np.ndarray:
    """A saved (``np.save``) 2-d array over a read-only map of its file (``_mapped``)."""
    with open(path, "rb") as f:
        fmt = np.lib.format
        version = fmt.read_magic(f)
        read = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, fortran, dtype = read(f)
        start = f.tell()
    if fortran or len(shape) != 2:
        raise ValueError(f"{path}: not a C-ordered 2-d array")
    count = shape[0] * shape[1]
    if count == 0:
        return np.zeros(shape, dtype=dtype)
    return np.frombuffer(_mapped(path), dtype=dtype, count=count, offset=start).reshape(shape)
