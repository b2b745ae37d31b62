"""Originals made inert for serving: a PDF loses every script and every action that runs on its
own, so that no viewer (Chromium's, a desktop reader) runs anything when a user opens it.

A sandboxing Content-Security-Policy does not reach a PDF viewer: Chromium's ran an
``/OpenAction`` script under ``sandbox`` all the same. So the served copy is rewritten: every
dictionary reachable from the document catalog loses the keys that carry scripts or automatic
actions (``/OpenAction``, ``/AA``, ``/JS``, ``/JavaScript``, ``/XFA``, ...), and every action of a
kind that runs or sends something (JavaScript, Launch, SubmitForm, ...) is removed where it is
attached (``/A``, ``/Next``). Text, pages, outlines and plain links stay, so ``#page=N`` works.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

DROP_KEYS = frozenset({"/OpenAction", "/AA", "/JS", "/JavaScript", "/XFA", "/RichMedia",
                       "/EmbeddedFiles"})
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData",
                            "/ResetForm", "/Rendition", "/RichMediaExecute", "/GoToE", "/Sound",
                            "/Movie"})


def inert_pdf(path: Path) -> bytes:
    """The PDF without scripts or automatic actions (cached while the file is unchanged)."""
    st = path.stat()
    return _inert(str(path), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=16)
def _inert(path: str, mtime_ns: int, size: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=path)
    _scrub(writer._root_object, set())
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _scrub(obj: Any, seen: set[int]) -> None:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(obj, IndirectObject):
        if obj.idnum in seen:
            return
        seen.add(obj.idnum)
        obj = obj.get_object()
    if isinstance(obj, DictionaryObject):
        for key in list(obj.keys()):
            if key in DROP_KEYS or (key in ("/A", "/Next") and _active(obj[key])):
                del obj[key]
            else:
                _scrub(obj.raw_get(key), seen)
    elif isinstance(obj, ArrayObject):
        for i in range(len(obj) - 1, -1, -1):
            if _active(obj[i]):
                del obj[i]  # an action in a /Next list
            else:
                _scrub(obj[i], seen)


def _active(value: Any) -> bool:
    """Whether a value is an action that runs or sends something."""
    from pypdf.generic import DictionaryObject

    action = value.get_object() if hasattr(value, "get_object") else value
    return isinstance(action, DictionaryObject) and action.get("/S") in ACTIVE_ACTIONS
