"""Speakers of transcript chunks: which known speakers a question names, and which chunks a
speaker talks in (a window's ``speakers`` metadata, ``ingest.chunking``)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from kb.lexical import SearchIndex, fold


def as_list(value: Any) -> list[str]:
    """A metadata value (one name or a list of them) as a list of names."""
    if value in (None, "", []):
        return []
    return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]


def chunk_speakers(meta: Mapping[str, Any]) -> list[str]:
    """Everyone who speaks in a chunk: its ``speakers``, else its (main) ``speaker``."""
    return as_list(meta.get("speakers")) or as_list(meta.get("speaker"))


def known_speakers(records: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every speaker of the stored transcripts (document records' ``speakers``), once."""
    return list(dict.fromkeys(s for rec in records.values() for s in as_list(rec.get("speakers"))))


def named_speakers(question: str, known: Iterable[str]) -> list[str]:
    """The known speakers a question names, in the order it names them.

    A name of several words matches in any case ("karin holm", "Barry Hughes's"); its last word
    alone matches when written capitalised and no other speaker has it ("What did Holm say"). A
    one-word name matches only as written, so a speaker called "Marketing" is not named by "the
    marketing budget". What a transcript adds to a person's name is not needed: letters after a
    name of two words or more, and a part in brackets ("Vaughan Gething AM" is named by "Vaughan
    Gething" and by "Gething"; "Grad E" stays "Grad E"). A role in brackets that no other
    speaker has names its speaker too ("the Prime Minister" for "Right Hon. Justin Trudeau (Prime
    Minister)"). Diacritics may be left out ("Mads Kjaergaard", "Makinen")."""
    found: list[tuple[int, str]] = []
    folded = fold(question)  # "Mads Kjaergaard" names "Mads Kjærgaard"
    names = {name: personal_name(name) for name in dict.fromkeys(known)}
    role = {name: role_of(name) for name in names}
    # one person may be written two ways ("Hon. Navdeep Bains", "Hon. Navdeep Bains (Lib.)")
    surnames = Counter(words[-1] for words in {tuple(w) for w in names.values()} if len(words) > 1)
    # a role only one person has names that person ("What did the Prime Minister say?")
    roles = Counter(r for r, _ in {(role[n], tuple(w)) for n, w in names.items()} if r)
    for name, words in names.items():
        if not words:
            continue
        flags = re.I if len(words) > 1 else 0
        m = None
        for written in dict.fromkeys((name, " ".join(words))):
            m = m or re.search(rf"(?<!\w){re.escape(written)}(?!\w)", question, flags) \
                or re.search(rf"(?<!\w){re.escape(fold(written))}(?!\w)", folded, flags)
        if m is None and len(words) > 1 and len(words[-1]) >= 3 and words[-1][0].isupper() \
                and surnames[words[-1]] == 1:
            m = re.search(rf"(?<!\w){re.escape(fold(words[-1]))}(?!\w)", folded)
        if m is None and role[name] and roles[role[name]] == 1:
            m = re.search(rf"(?<!\w){re.escape(fold(role[name]))}(?!\w)", folded, re.I)
        if m is not None:
            found.append((m.start(), name))
    named = [name for _, name in sorted(found)]
    # and every other way the same person is written ("Right Hon. Justin Trudeau" beside
    # "Right Hon. Justin Trudeau (Prime Minister)")
    people = {tuple(names[n]) for n in named}
    return list(dict.fromkeys(named + [n for n, w in names.items() if tuple(w) in people]))


def role_of(name: str) -> str:
    """The role a transcript writes in brackets after a speaker's name, when it is a role of two
    words or more ("Right Hon. Justin Trudeau (Prime Minister)" -> "Prime Minister"; not
    "(Lib.)"), else ""."""
    parts = [_BRACKETS.sub("", p[1:-1]).strip() for p in _BRACKETS.findall(name)]
    words = " ".join(p for p in parts if len(p.split()) >= 2).split()
    return " ".join(words) if len(words) >= 2 else ""


_BRACKETS = re.compile(r"\((?:[^()]|\([^()]*\))*\)")


def personal_name(name: str) -> list[str]:
    """The words of a speaker's name without what a transcript adds to it: a part in brackets
    and letters after it ("The Chair (Hon. Anthony Rota (Lib.))" -> The Chair; "Vaughan Gething
    AM" -> Vaughan Gething)."""
    words = _BRACKETS.sub(" ", name).split()
    # letters after a name of two words or more ("Grad E", "PhD C": the letter is the name)
    while len(words) > 2 and words[-1].isupper() and words[-1].isalpha():
        words.pop()
    return words or name.split()


def speaker_mask(lex: SearchIndex, records: Mapping[str, Mapping[str, Any]],
                 names: Sequence[str]) -> np.ndarray:
    """True for the chunks (rows of ``lex``) in which any of ``names`` speaks (any case). Only
    the chunks of transcripts that list one of them are read."""
    wanted = {n.strip().lower() for n in names if n.strip()}
    mask = np.zeros(len(lex.ids), dtype=bool)
    docs = {d for d, rec in records.items()
            if wanted & {s.lower() for s in as_list(rec.get("speakers"))}}
    if not docs or lex.table is None:
        return mask
    for pos in np.flatnonzero(lex.mask(docs)):
        _, meta = lex.table.row(int(pos))
        if wanted & {s.lower() for s in chunk_speakers(meta)}:
            mask[pos] = True
    return mask
