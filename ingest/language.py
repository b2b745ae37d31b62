"""Which language a document is written in: py3langid (a naive Bayes model over byte n-grams,
97 languages, its data inside the wheel). ``docs/decisions/17-languages.md`` says why this one."""

from __future__ import annotations

import re
import threading

from kb.models import Document

SAMPLE_CHARS = 20_000  # enough text for a stable answer; a long document is not read whole
MIN_LETTERS = 20  # below this (a bare title) the guess is noise: no language is recorded
MIN_PROBABILITY = 0.5
# one code per language: py3langid names Norwegian "no" and also "nb"/"nn" in some models
ALIASES = {"nb": "no", "nn": "no"}

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_lock = threading.Lock()
_identifier = None


def _model():
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def detect(text: str) -> str | None:
    """The ISO 639-1 code of the text's language, or None when the text is too short or the
    model is unsure."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_LETTERS:
        return None
    code, probability = _model().classify(sample)
    if probability < MIN_PROBABILITY:
        return None
    return ALIASES.get(code, code)


def document_language(doc: Document) -> str | None:
    """The language of a document's text (its title and units, in reading order)."""
    parts, size = [doc.title], len(doc.title)
    for unit in doc.units:
        if size >= SAMPLE_CHARS:
            break
        parts.append(unit.text)
        size += len(unit.text)
    return detect("\n".join(parts))
