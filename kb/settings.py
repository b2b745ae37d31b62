"""One typed settings object, built at the edge (CLI flags, ``KB_*`` variables) and passed in."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from kb.errors import UsageError

DEFAULT_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Settings:
    store: Path = Path(".kb")
    chroma_url: str | None = None
    collection: str = "kb"
    embed_model: str = DEFAULT_MODEL
    # Measured choices (this one, the backend, the weights and thresholds below): the numbers and
    # the commands that reproduce them are in docs/decisions/16.md.
    embed_batch_size: int = 16  # texts per encoder call at ingest (peak memory grows with it)
    embed_backend: str = "onnx-int8"  # "onnx-int8", "onnx" or "torch": one model, three runtimes
    # Where the ONNX backends keep the model exported from the local weights (None: the user's
    # cache folder, ``default_onnx_cache()``).
    onnx_cache: Path | None = None
    # Chunking (recorded in the store; a mismatch is refused).
    chunk_tokens: int = 200
    chunk_overlap: int = 30
    # Transcript windows: up to 75 s or about 200 tokens (0.75 words each), repeating this much of
    # the previous window. On QMSum meetings 2-fold CV prefers 120-180 s / 400-600 tokens (docs/
    # decisions/18.md); with them the abstention's names rule (tuned on 75 s windows) lets three
    # near-miss questions through, so the default stays until that rule is refitted.
    cue_window_seconds: float = 75.0
    cue_overlap_seconds: float = 0.0
    cue_window_tokens: int = 200
    # Retrieval.
    max_per_doc: int = 3
    candidates: int = 50
    # Up to this many chunks the nearest ones are found exactly in the chunk table (numpy) rather
    # than by Chroma's HNSW (a Chroma call costs more, and HNSW is approximate). 0: always HNSW.
    exact_max_chunks: int = 25_000
    dense_weight: float = 0.3  # the dense side's weight in the fusion (SciFact train qrels)
    fusion: str = "convex"
    fusion_scope: str = "chunk"  # or "document" (kb.fusion.fuse_scoped)
    # Added to the fused score of the chunks in which a speaker the question names talks.
    speaker_boost: float = 0.1
    # Answers.
    # Abstention (kb/answer/abstain.py), calibrated on the golden set's tune split: the best fused
    # score, the share of the question's terms unknown to the corpus, the best answer sentence's
    # cosine similarity to the question, and the share of the names, places and years the
    # question states that the answer's sources do not hold.
    abstain_threshold: float = 0.10
    abstain_unknown: float = 0.35
    # 0.40: the best sentence is now the best of every sentence read (it was of 12 preselected
    # ones), so every question scores higher; the least similar answerable golden question
    # scores 0.436 (docs/decisions/14.md)
    abstain_sentence: float = 0.40
    # ... unless the first passages read hold this share of the question's rarity-weighed words
    # (docs/decisions/14.md, "Coverage")
    abstain_coverage: float = 0.75
    abstain_unmatched: float = 0.5
    answer_sentences: int = 5  # the most the answer format allows
    # Ingest embeds and stores every chunk's answer sentences (kb.sentences): ask embeds none.
    sentence_vectors: bool = True
    # Optional LLM.
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = 60.0
    # App.
    host: str = "127.0.0.1"
    port: int = 7860
    allow_upload: bool = False
    auth: str | None = None
    max_upload_mb: int = 50
    lock_timeout: float = 10.0
    # Limits on what one request or one document may cost (README, Configuration).
    # A question or search query longer than this is refused at once (API, CLI and app alike).
    max_question_chars: int = 2000
    # One document: at most this many chunks (a 10 MB text file is ~15,000; ingesting it peaked at
    # 1.37 GB, ``kb bench --only bigfiles``), this many seconds to read and chunk, and this much
    # text read (files are read in blocks and reading stops there, so memory stays bounded
    # whatever a file's size). A document of 200 chunks or more must also hold at least
    # ``min_doc_info`` bytes of zlib-compressed text per chunk on average: real text holds
    # 150-270 (SciFact, EU topics, QMSum, the corpus), one word repeated 7 (docs/decisions/15.md).
    # A document over a limit is refused with a message naming the limit.
    max_doc_chunks: int = 16_000
    max_doc_seconds: float = 300.0
    max_doc_text_mb: int = 16
    min_doc_info: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "store", Path(self.store))
        if self.onnx_cache is not None:
            object.__setattr__(self, "onnx_cache", Path(self.onnx_cache))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Build settings from ``KB_<FIELD>`` variables, then explicit overrides (None is
        ignored)."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"KB_{f.name.upper()}")
            if raw is not None and raw != "":
                values[f.name] = _coerce(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    def index_record(self) -> dict[str, str | int | float]:
        """What the store records about how its vectors and chunks were made."""
        return {
            "kb_model": model_id(self.embed_model),
            "kb_backend": self.embed_backend,
            "kb_chunk_tokens": self.chunk_tokens,
            "kb_chunk_overlap": self.chunk_overlap,
            "kb_cue_window_seconds": self.cue_window_seconds,
            "kb_cue_overlap_seconds": self.cue_overlap_seconds,
            "kb_cue_window_tokens": self.cue_window_tokens,
        }


def default_onnx_cache() -> Path:
    """``$XDG_CACHE_HOME/kb/onnx`` (default ``~/.cache/kb/onnx``): the export is per user, never
    inside the installed package."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb" / "onnx"


def model_id(name: str) -> str:
    """A stable name for a model: a path is named by its folder, not by where it is installed."""
    path = Path(name)
    return path.name if path.exists() else name


def _coerce(name: str, type_: Any, raw: str) -> Any:
    type_name = type_ if isinstance(type_, str) else getattr(type_, "__name__", str(type_))
    try:
        if type_name.startswith("bool"):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if type_name.startswith("int"):
            return int(raw)
        if type_name.startswith("float"):
            return float(raw)
    except ValueError as exc:
        raise UsageError(f"KB_{name.upper()}={raw!r} is not a valid {type_name}") from exc
    return raw
