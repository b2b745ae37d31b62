"""The same sentence embeddings through onnxruntime: exported once from the local weights, cached.

``OnnxEmbedder`` has the interface of ``SentenceTransformerEmbedder`` (``name``, ``dim``,
``embed_documents``, ``embed_query``, ``embed_sentences``). The graph is the model's transformer
plus mean pooling over the attention mask and L2 normalisation, so it returns finished vectors.
It is exported with ``torch.onnx.export`` (the TorchScript exporter; it needs the ``onnx``
package) into ``<cache>/<model-id>-<key>/model.onnx``, and ``quantize=True`` adds a dynamically
quantized int8 copy (``model-int8.onnx``, onnxruntime's ``quantize_dynamic``). Nothing is
downloaded: the weights and the tokenizer come from the local model folder.

Encoding needs onnxruntime and the ``tokenizers`` library only (the model's own
``tokenizer.json``, the file transformers' fast tokenizer reads too): torch and transformers are
imported only for the one-time export.

The transformer is called layer by layer with an additive attention mask built here, not through
the model's own ``forward``: transformers 5 builds its mask with code that the TorchScript
exporter turns into a wrong graph (vectors off by up to 0.1); this way they match
sentence-transformers to about 2e-7.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from kb.embedding import QueryCache, resolve_model_path
from kb.errors import UsageError
from kb.settings import default_onnx_cache, model_id

INPUTS = ("input_ids", "attention_mask", "token_type_ids")
OPSET = 17


class OnnxEmbedder:
    """sentence-transformers-compatible vectors from onnxruntime on the CPU (fp32 or int8)."""

    def __init__(self, name: str, batch_size: int = 32, quantize: bool = False,
                 cache_dir: Path | None = None, threads: int = 0) -> None:
        self.name = name
        self.batch_size = batch_size
        self.quantize = quantize
        folder = resolve_model_path(name)
        self.path = onnx_model(folder, quantize=quantize, cache_dir=cache_dir, label=model_id(name))
        self.max_length = _max_seq_length(Path(folder))
        self.tokenizer = _tokenizer(Path(folder), self.max_length)
        self.session = self._session(threads)
        # Small inputs (a dozen answer sentences) gain little from ORT's own threads: they run
        # as several one-thread calls at once instead (see ``embed_sentences``).
        self._small = self._session(1)
        self._workers = ThreadPoolExecutor(max_workers=max(2, min(4, os.cpu_count() or 2)),
                                           thread_name_prefix="kb-onnx")
        self._inputs = {i.name for i in self.session.get_inputs()}
        self.dim = int(self.encode(["dimension probe"]).shape[1])
        self._cache = QueryCache(self.encode)

    def _session(self, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.log_severity_level = 3
        # Idle threads sleep instead of spinning: on a busy machine (a server answering several
        # requests, other processes) spinning burns the cores the work needs.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        return ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int | None = None,
               concurrent: bool = False) -> np.ndarray:
        """Unit-normalised vectors; texts are batched by length, as sentence-transformers does.
        ``concurrent``: the batches run at once, each on one thread."""
        if not texts:
            return np.zeros((0, getattr(self, "dim", 0)), dtype=np.float32)
        size = batch_size or self.batch_size
        order = np.argsort([-len(t) for t in texts], kind="stable")
        feeds = [self._feed([texts[j] for j in order[i:i + size]])
                 for i in range(0, len(texts), size)]  # tokenized here, in the caller's thread
        if concurrent and len(feeds) > 1:
            parts = list(self._workers.map(lambda f: self._small.run(None, f)[0], feeds))
        else:
            parts = [self.session.run(None, f)[0] for f in feeds]
        vectors = np.concatenate(parts).astype(np.float32)
        out = np.empty_like(vectors)
        out[order] = vectors
        return out

    def _feed(self, batch: list[str]) -> dict[str, np.ndarray]:
        """The batch tokenized, padded to its longest text and truncated to ``max_length``."""
        enc = self.tokenizer.encode_batch(batch)
        arrays = {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                  "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                  "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}
        return {k: arrays[k] for k in INPUTS if k in self._inputs}

    def embed_documents(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self.encode(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._cache(text)

    def embed_sentences(self, texts: list[str]) -> np.ndarray:
        """Answer candidates (sentences of 10-80 tokens), each on its own and several at once on
        one thread each. One at a time, a sentence's vector depends on its text only: the int8
        graph quantizes activations per batch, so in a batch it moves with its neighbours. Ingest
        stores these vectors (``kb.sentences``) and an answer that embeds one gets the same."""
        return self.encode(texts, batch_size=1, concurrent=True)


# -- export and quantization (once per model, cached) ---------------------------------------------
def cache_folder(model_folder: str | Path, cache_dir: Path | None = None,
                 label: str | None = None) -> Path:
    """``<cache>/<model-id>-<key>``: the key changes when the weights file changes."""
    folder = Path(model_folder)
    weights = [p for p in sorted(folder.glob("*")) if p.suffix in (".safetensors", ".bin")]
    stamp = "|".join(f"{p.name}:{p.stat().st_size}:{int(p.stat().st_mtime)}" for p in weights)
    key = hashlib.sha1(f"{folder.resolve()}|{stamp}".encode()).hexdigest()[:10]
    return (cache_dir or default_onnx_cache()) / f"{label or model_id(str(folder))}-{key}"


def onnx_model(model_folder: str | Path, quantize: bool = False, cache_dir: Path | None = None,
               label: str | None = None) -> Path:
    """The cached ONNX file for a local model folder, exported (and quantized) on first use."""
    from filelock import FileLock

    target = cache_folder(model_folder, cache_dir, label)
    target.mkdir(parents=True, exist_ok=True)
    fp32, int8 = target / "model.onnx", target / "model-int8.onnx"
    with FileLock(str(target / "export.lock")):
        if not fp32.is_file():
            export(model_folder, fp32)
        if quantize and not int8.is_file():
            quantize_int8(fp32, int8)
    return int8 if quantize else fp32


def _need_onnx() -> None:
    try:
        import onnx  # noqa: F401
    except ImportError:
        raise UsageError("exporting the model to ONNX needs the 'onnx' package "
                         "(pip install onnx); onnxruntime alone can only run a model "
                         "already exported") from None


def export(model_folder: str | Path, path: Path) -> None:
    """Export transformer + mean pooling + normalisation to ``path`` (written atomically)."""
    _need_onnx()
    import torch
    from transformers import AutoModel, AutoTokenizer

    model = AutoModel.from_pretrained(str(model_folder), local_files_only=True,
                                      attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_folder), local_files_only=True)
    sample = tokenizer(["an example sentence to trace", "and a second, longer one to pad it"],
                       padding=True, return_tensors="pt")
    names = [k for k in INPUTS if k in sample]
    axes = {k: {0: "batch", 1: "tokens"} for k in names} | {"embedding": {0: "batch"}}
    tmp = path.with_suffix(".tmp")
    with torch.no_grad():
        torch.onnx.export(_Pooled(model), tuple(sample[k] for k in names), str(tmp),
                          dynamo=False, input_names=names, output_names=["embedding"],
                          dynamic_axes=axes, opset_version=OPSET)
    tmp.replace(path)
    (path.parent / "source.json").write_text(json.dumps({"model": str(model_folder)}))


def quantize_int8(source: Path, path: Path) -> None:
    """Dynamic int8 quantization of the weights, one scale per output channel (activations are
    quantized at run time). Per-channel keeps vectors at cosine ~0.995 to fp32 on SciFact
    abstracts; one scale per tensor gave only ~0.94."""
    _need_onnx()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = path.with_suffix(".tmp")
    quantize_dynamic(str(source), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    tmp.replace(path)


def _tokenizer(folder: Path, max_length: int):
    """The model's ``tokenizer.json`` with the padding and truncation ``encode`` needs (the file's
    own settings, fixed-length padding to 128 here, are what the model was trained with, not how
    sentence-transformers calls it: longest in the batch, truncated at ``max_seq_length``)."""
    from tokenizers import Tokenizer

    path = folder / "tokenizer.json"
    if not path.is_file():
        raise UsageError(f"{path}: the ONNX backends need the model's tokenizer.json "
                         "(use KB_EMBED_BACKEND=torch for a model without one)")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=max_length)
    pad = tokenizer.padding or {}
    tokenizer.enable_padding(pad_id=pad.get("pad_id", 0), pad_type_id=pad.get("pad_type_id", 0),
                             pad_token=pad.get("pad_token", "[PAD]"))
    return tokenizer


def _max_seq_length(folder: Path) -> int:
    """sentence-transformers' ``max_seq_length``, else the tokenizer's limit (at most 512)."""
    for name, key in (("sentence_bert_config.json", "max_seq_length"),
                      ("tokenizer_config.json", "model_max_length")):
        try:
            return min(int(json.loads((folder / name).read_text())[key]), 512)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return 512


def _pooled_module():
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self, model) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            positions = torch.arange(input_ids.shape[1], dtype=torch.long).unsqueeze(0)
            hidden = self.model.embeddings(input_ids=input_ids, token_type_ids=token_type_ids,
                                           position_ids=positions)
            additive = (1.0 - attention_mask[:, None, None, :].to(hidden.dtype)) * \
                torch.finfo(hidden.dtype).min
            out = self.model.encoder(hidden, attention_mask=additive).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(out.dtype)
            mean = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled


def _Pooled(model):  # noqa: N802  (a class made on demand: torch is imported only when exporting)
    return _pooled_module()(model)
