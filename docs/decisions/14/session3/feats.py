"""Cache candidate sentences with feature components for golden + external sets.
python /tmp/s/feats.py golden|eu-call-topics|real-pdfs|qmsum OUT.pkl"""
import sys, pickle
import numpy as np
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import extractive
from kb.lexical import tokenize
from eval import answers
from eval.external import baseline_sentences

which, out = sys.argv[1], sys.argv[2]
if which == "golden":
    from eval.golden import load_golden, golden_settings
    kb = KnowledgeBase(golden_settings(Settings.from_env(store="/tmp/s/golden")))
    items = load_golden(); by = {i.id: i for i in items}
    todo = [(i.id, i.split, i.answerable, i.facts, False, i.question,
             [(by[i.follow_up_of].question, "")] if i.follow_up_of else None) for i in items]
else:
    from eval.external_sets import build
    kb = KnowledgeBase(Settings.from_env(store=f"/tmp/s/ext/eval-external/{which}"))
    ext = build(which, "/work/shared/eval-data", 40)
    todo = [(q.id, "ext", True, q.facts, True, q.question, None) for q in ext.questions]
grab = {}
orig = kb._compose
def spy(q, qvec, hits, lexical):
    grab["args"] = (q, qvec, hits, lexical); return orig(q, qvec, hits, lexical)
kb._compose = spy
rows = []
for id_, split, ok, facts, bw, question, hist in todo:
    ans = kb.ask(question, history=hist)
    q, qvec, hits, lex = grab["args"]
    fvec = kb.embedder.embed_query(q.focus) if q.focus != q.query else None
    sents = extractive._collect(hits, kb.embedder, len(qvec))
    if not sents:
        rows.append(dict(id=id_, split=split, ok=ok, facts=facts, bw=bw, shape=q.answer_shape, sents=[], abst=ans.abstained)); continue
    V = np.stack([s.vector for s in sents]); cq = V @ qvec
    c = cq if fvec is None else (cq + V @ fvec) / 2
    prevc = {id(s): float(x) for s, x in zip(sents, c)}
    w = {t: lex.idf(t) for t in set(q.focus_terms)}; tot = sum(w.values()) or 1.0
    top = max((h.score for h in hits), default=1.0) or 1.0
    rank = {}
    for h in hits: rank.setdefault(h.chunk_id, len(rank))
    qterms = set(q.focus_terms)
    feats = []
    pos = {}
    for s, a, b in zip(sents, cq, c):
        topic = set(tokenize(f"{s.hit.title} {s.hit.section or ''}"))
        toks = set(tokenize(s.text)); held = toks - topic
        typed = q.wanted.match(s.text) if q.wanted is not None else 0.0
        p = pos.get(s.hit.chunk_id, 0); pos[s.hit.chunk_id] = p + 1
        feats.append(dict(
            cosq=float(a), cos=float(b),
            lex=sum(v for t, v in w.items() if t in held) / tot,
            lexall=sum(v for t, v in w.items() if t in toks) / tot,
            passage=s.hit.score / top, rank=rank[s.hit.chunk_id],
            intro=float(extractive._opens_document(s.hit)),
            lead=max(prevc.get(id(s.previous), 0.0), 0.0),
            figure=float(bool(q.asks_figure and extractive._FIGURE.search(s.text))),
            typed=min(typed, 1.0), counted=max(typed - 1.0, 0.0),
            question=float(bool(extractive._QUESTION.search(s.text))),
            new=len(toks - qterms - topic), words=len(s.text.split()), pos=p,
            heading=sum(v for t, v in w.items() if t in topic) / tot,
            label=any(answers.holds(f, s.text, bw) for f in facts) if facts else False,
            text=s.text, doc=s.hit.doc_id))
    # context windows: previous + sentence + next within the same passage; title-prefixed
    bychunk = {}
    for i, s in enumerate(sents): bychunk.setdefault(s.hit.chunk_id, []).append(i)
    wins, tits = [], []
    for i, s in enumerate(sents):
        idx = bychunk[s.hit.chunk_id]; j = idx.index(i)
        prev = sents[idx[j-1]].text if j > 0 else ""
        nxt = sents[idx[j+1]].text if j + 1 < len(idx) else ""
        wins.append(" ".join(x for x in (prev, s.text, nxt) if x))
        nx2 = " ".join(x for x in (s.text, nxt) if x)
        tits.append(nx2)
    W = np.asarray(kb.embedder.embed_sentences(wins)); T = np.asarray(kb.embedder.embed_sentences(tits))
    qv = qvec if fvec is None else fvec
    for f, a, b in zip(feats, W @ qv, T @ qv):
        f["win"] = float(a); f["next"] = float(b)
    base = baseline_sentences(question, hits, kb.embedder, 8)
    rows.append(dict(id=id_, split=split, ok=ok, facts=facts, bw=bw, shape=q.answer_shape,
                     sents=feats, abst=ans.abstained, sig=ans.signals, answer=ans.text,
                     ps=[h.text for h in hits], base=base, question=question))
pickle.dump(rows, open(out, "wb"))
print(which, len(rows))
