"""Refit the extractive answerer's sentence weights on the golden set's tune split.

``python -m eval.fit_answerer --store DIR`` ingests the corpus into ``DIR/eval-golden`` (like
``kb eval``), reads the passages ``ask`` reads for every answerable golden question, and labels
each candidate sentence: does it hold one of the question's expected facts? Two weight sets are
fitted, both by pairwise logistic regression (a fact sentence against a sentence of the same
question that holds none; every question weighs the same, whatever its number of pairs):

- ``PRESELECT_WEIGHTS`` on the cheap features of every candidate: which sentences are embedded;
- ``WEIGHTS`` on all features (the cosines too) of the ``PRESELECT`` sentences that preselection
  keeps.

Only the tune split is fitted; the report gives, per split, the share of questions whose best
sentence holds a fact and whose ``answer_sentences`` best sentences hold one. The printed weights
go into ``kb/answer/extractive.py`` by hand, after a ``kb eval`` confirms them on facts present.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from eval import golden


@dataclass
class Question:
    """One golden question's candidate sentences: features (rows) and whether each holds a fact."""

    id: str
    split: str
    features: np.ndarray  # (sentences, len(names))
    labels: np.ndarray  # bool, one per sentence
    names: tuple[str, ...]


def pairs(questions: Sequence[Question]) -> tuple[np.ndarray, np.ndarray]:
    """Feature differences (fact sentence minus other sentence) and a weight per pair that gives
    every question with both kinds of sentence the same total weight."""
    diffs, weights = [], []
    for q in questions:
        pos, neg = q.features[q.labels], q.features[~q.labels]
        if not len(pos) or not len(neg):
            continue
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, q.features.shape[1])
        diffs.append(d)
        weights.append(np.full(len(d), 1.0 / len(d)))
    if not diffs:
        raise ValueError("no question has both a fact sentence and another sentence")
    return np.vstack(diffs), np.concatenate(weights)


def fit_pairwise(questions: Sequence[Question], l2: float = 0.01,
                 iterations: int = 50) -> np.ndarray:
    """The weights of a pairwise logistic regression (Newton's method, L2 penalty ``l2``)."""
    d, w = pairs(questions)
    w = w / w.sum()
    coef = np.zeros(d.shape[1])
    for _ in range(iterations):
        margin = d @ coef
        p = 1.0 / (1.0 + np.exp(np.clip(margin, -30, 30)))  # the chance the pair is misordered
        grad = -(d * (w * p)[:, None]).sum(axis=0) + l2 * coef
        hess = (d * (w * p * (1 - p))[:, None]).T @ d + l2 * np.eye(d.shape[1])
        step = np.linalg.solve(hess, grad)
        coef -= step
        if np.abs(step).max() < 1e-8:
            break
    return coef


def ranking_report(questions: Sequence[Question], coef: np.ndarray,
                   top: int = 5) -> dict[str, dict[str, float]]:
    """Per split: the share of questions (with a fact sentence) whose best-scored sentence holds
    a fact (``top1``) and whose ``top`` best hold one (``any@top``)."""
    out: dict[str, dict[str, float]] = {}
    for split in sorted({q.split for q in questions}):
        qs = [q for q in questions if q.split == split and q.labels.any()]
        firsts = [q.labels[np.argmax(q.features @ coef)] for q in qs]
        anys = [q.labels[np.argsort(-(q.features @ coef))[:top]].any() for q in qs]
        out[split] = {"questions": len(qs), "top1": round(float(np.mean(firsts)), 3) if qs else 0,
                      f"any@{top}": round(float(np.mean(anys)), 3) if qs else 0}
    return out


def holds_fact(sentence: str, facts: Sequence[str]) -> bool:
    text = golden.normalise(sentence)
    return any(golden.normalise(f) in text for f in facts)


def collect(kb, items: Sequence[golden.GoldenItem]) -> tuple[list[Question], list[Question]]:
    """(every candidate with its cheap features, the preselected pool with all features) per
    answerable question with facts, under the answerer's current preselection weights."""
    from kb import api
    from kb.answer import extractive

    by_id = {i.id: i for i in items}
    lexical = kb.retriever.lexical.get()
    cheap, pooled = [], []
    for item in items:
        if not (item.answerable and item.facts):
            continue
        turns, parent = [], item.follow_up_of
        while parent:
            turns.insert(0, (by_id[parent].question, ""))
            parent = by_id[parent].follow_up_of
        query = kb._standalone(item.question, api.normalise_history(turns), None)
        qvec = kb.embedder.embed_query(query)
        hits = kb.retriever.search(query, k=api.ANSWER_HITS, qvec=qvec,
                                   max_per_doc=api.ANSWER_PER_DOC)
        cands = extractive._candidates(query, hits, lexical, item.question, dim=len(qvec))
        if not cands:
            continue
        labels = np.array([holds_fact(s.text, item.facts) for s in cands])
        names = tuple(extractive.CHEAP)
        cheap.append(Question(item.id, item.split,
                              np.array([[s.features[n] for n in names] for s in cands]),
                              labels, names))
        pool = extractive._preselect(cands)
        index = {id(s): i for i, s in enumerate(cands)}
        order = [index[id(s)] for s in pool]
        extractive._embed_missing(pool, kb.embedder)
        vectors = np.stack([s.vector for s in pool])
        focused = extractive._focus_vector(query, item.question, kb.embedder)
        fcos = vectors @ (qvec if focused is None else focused)
        for s, cos, f in zip(pool, vectors @ qvec, fcos, strict=True):
            s.features["cosine"], s.features["focus_cosine"] = float(cos), float(f)
        full = names + ("cosine", "focus_cosine")
        pooled.append(Question(item.id, item.split,
                               np.array([[s.features[n] for n in full] for s in pool]),
                               labels[order], full))
    return cheap, pooled


def fit(questions: Sequence[Question], l2: float, top: int) -> dict:
    names = questions[0].names
    coef = fit_pairwise([q for q in questions if q.split == "tune"], l2=l2)
    return {"weights": {n: round(float(c), 3) for n, c in zip(names, coef, strict=True)},
            "ranking": ranking_report(questions, coef, top)}


def main(argv: Sequence[str] | None = None) -> int:
    from kb.api import KnowledgeBase
    from kb.settings import Settings

    parser = argparse.ArgumentParser(prog="python -m eval.fit_answerer", description=__doc__)
    parser.add_argument("--store", required=True, help="the store folder (as for kb eval)")
    parser.add_argument("--l2", type=float, default=0.01, help="L2 penalty on the weights")
    args = parser.parse_args(argv)
    settings = golden.golden_settings(Settings.from_env(store=args.store))
    golden.prepare_store(settings)
    kb = KnowledgeBase(settings)
    cheap, pooled = collect(kb, golden.load_golden())
    top = settings.answer_sentences
    out = {"PRESELECT_WEIGHTS": fit(cheap, args.l2, top), "WEIGHTS": fit(pooled, args.l2, top)}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
