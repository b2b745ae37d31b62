"""Discussion key-sentence variants on QMSum (every meeting) and the golden meeting questions.

PYTHONPATH=$PWD python docs/decisions/14/session4/discussion_variants.py qmsum|golden \
    parts topn parts+doc topn+doc parts+strong topn+strong
parts: the closest sentence of each quarter of the span (before); topn: the span's closest
sentences; +doc: every retrieved window of the best span's recording; +strong: every strong span
of it. Stores as in the script (the `kb eval` stores); edit the paths for yours."""
import sys, numpy as np, collections
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import discussion
from kb.sentences import vectors_of
from eval import answers
from eval.external import baseline_sentences
from eval.external_sets import build
import eval.external_sets as es

def parts(span, qvec, embedder, n=discussion.KEY_SENTENCES):
    """The rule before session 4: the closest sentence of each of n time parts of the span,
    empty parts leaving their place to the next closest."""
    pool = discussion.sentences(discussion.span_lines(span))
    if not pool:
        return []
    cos = vectors_of([(q.hit, q.text) for q in pool], embedder) @ qvec
    length = max(span.end - span.start, 1e-6)
    best = {}
    for i, q in enumerate(pool):
        part = min(int((q.start - span.start) / length * n), n - 1)
        if part not in best or cos[i] > cos[best[part]]:
            best[part] = i
    chosen = set(best.values())
    for i in np.argsort(-cos):
        if len(chosen) >= n:
            break
        chosen.add(int(i))
    return [pool[i] for i in sorted(chosen, key=lambda i: pool[i].start)]
orig = parts
def topn(span, qvec, embedder, n=discussion.KEY_SENTENCES):
    pool = discussion.sentences(discussion.span_lines(span))
    if not pool: return []
    cos = vectors_of([(q.hit, q.text) for q in pool], embedder) @ qvec
    chosen = [int(i) for i in np.argsort(-cos)[:n]]
    return [pool[i] for i in sorted(chosen, key=lambda i: pool[i].start)]
def topn_best_first(span, qvec, embedder, n=discussion.KEY_SENTENCES):
    pool = discussion.sentences(discussion.span_lines(span))
    if not pool: return []
    cos = vectors_of([(q.hit, q.text) for q in pool], embedder) @ qvec
    return [pool[int(i)] for i in np.argsort(-cos)[:n]]
VARS = {"parts": orig, "topn": topn, "topn_bf": topn_best_first}
orig_merge = discussion.merge_spans
def all_span(hits, gap=discussion.GAP_SECONDS, relative=discussion.RELATIVE):
    spans = orig_merge(hits, gap, relative)
    if not spans: return spans
    timed = [h for h in hits if h.start is not None and h.page is None and h.doc_id == spans[0].lead.doc_id]
    return [discussion.Span(sorted(timed, key=lambda h: -h.score), min(h.start for h in timed), max(discussion._end([h]) for h in timed), spans[0].score)]
def strong_spans(hits, gap=discussion.GAP_SECONDS, relative=discussion.RELATIVE):
    spans = orig_merge(hits, gap, relative)
    if not spans: return spans
    same = [s for s in spans if s.lead.doc_id == spans[0].lead.doc_id]
    hs = [h for s in same for h in s.hits]
    return [discussion.Span(hs, min(s.start for s in same), max(s.end for s in same), spans[0].score)]
MERGES = {"best": orig_merge, "doc": all_span, "strong": strong_spans}

which = sys.argv[1]
if which == "qmsum":
    es.QMSUM_EVERY = 1
    kb = KnowledgeBase(Settings.from_env(store="/tmp/q/all/eval-external/qmsum"))
    ext = build("qmsum", "/work/shared/eval-data", 1000)
    todo = [(q.id, q.question, q.facts, True, None) for q in ext.questions]
else:
    from eval.golden import load_golden, golden_settings
    kb = KnowledgeBase(golden_settings(Settings.from_env(store="/tmp/s/golden")))
    items = load_golden(); by = {i.id: i for i in items}
    todo = [(i.id, i.question, i.facts, False, [(by[i.follow_up_of].question, "")] if i.follow_up_of else None)
            for i in items if i.answerable and i.facts]
for spec in sys.argv[2:]:
    name, _, merge = spec.partition("+")
    discussion.key_sentences = VARS[name]
    discussion.merge_spans = MERGES[merge or "best"]
    c = collections.Counter()
    for id_, question, facts, bw, hist in todo:
        a = kb.ask(question, history=hist)
        if a.shape != "discussion": continue
        text = "" if a.abstained else a.text
        c["n"] += 1
        c["fact"] += not answers.facts_missing(facts, text, bw)
        c["frac"] += 1 - len(answers.facts_missing(facts, text, bw)) / len(facts)
    print(which, spec, dict(c), flush=True)
