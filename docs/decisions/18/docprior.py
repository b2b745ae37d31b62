"""Doc-level prior experiment on the QMSum store: fused chunk score + lam * doc score."""
import sys, itertools, numpy as np, bm25s
from eval import qmsum
from kb.settings import Settings
from kb.embedding import get_embedder
from kb.api import KnowledgeBase
from kb.fusion import fuse
from kb.retrieval import diversify, doc_of
from kb.speakers import named_speakers
from kb.lexical import tokenize
store = sys.argv[1]
ms = qmsum.load()
s = Settings(store=store, sentence_vectors=False)
emb = get_embedder(s)
kb = KnowledgeBase(s, embedder=emb)
r = kb.retriever
lex = r.lexical.get()
known = r.known_speakers()
qs = [q for m in ms for q in m.queries]
meta, docs, vec = {}, {}, {}
for cid in lex.ids:
    p = lex.position[cid]
    t, m = lex.table.row(p)
    meta[cid] = (m["source"], m["start"], m["end"])
    d = doc_of(cid)
    docs.setdefault(d, []).append(t or "")
    vec.setdefault(d, []).append(lex.table.vectors[p])
dnames = list(docs)
cent = np.stack([np.mean(vec[d], 0) for d in dnames]); cent /= np.linalg.norm(cent, axis=1, keepdims=True)
ret = bm25s.BM25(k1=0.9, b=0.4)
ret.index([tokenize(" ".join(docs[d])) for d in dnames], show_progress=False)
pools = {}
for q in qs:
    sp = named_speakers(q.text, known)
    qv = emb.embed_query(q.text)
    pool = r.scored_pool(q.text, qv, 100, None, lex)
    prefer = r.speaker_mask(lex, sp) if sp else None
    if prefer is not None and prefer.any():
        pool = pool.merged(r.scored_pool(q.text, qv, 100, None, lex, prefer))
    toks = tokenize(q.text)
    ds = np.array(ret.get_scores(toks)) if toks else np.zeros(len(dnames))
    dsn = ds / ds.max() if ds.max() > 0 else ds
    dc = cent @ qv
    pools[q.qid] = (pool, prefer, dict(zip(dnames, dsn)), dict(zip(dnames, dc)))
def evaluate(lam, gam, mpd, qsub):
    ranks = {}
    for q in qsub:
        pool, prefer, dsn, dc = pools[q.qid]
        f = fuse(pool.dense, pool.lexical, pool.lexical_max, 0.3)
        if prefer is not None and prefer.any():
            f = f + 0.1 * np.array([bool(prefer[lex.position[c]]) for c in pool.ids])
        if lam: f = f + lam * np.array([dsn[d] for d in pool.doc_ids])
        if gam: f = f + gam * np.array([dc[d] for d in pool.doc_ids])
        order = list(np.argsort(-f, kind="stable"))
        chosen = diversify(order, [pool.doc_ids[i] for i in order], 10, mpd)
        ranks[q.qid] = qmsum.first_rank([meta[pool.ids[i]] for i in chosen], q, 10)
    return qmsum.scores(ranks, qsub)
halves = [[q for q in qs if q.meeting % 2 == f] for f in (0, 1)]
for lam, gam, mpd in itertools.product((0, 0.1, 0.2, 0.3, 0.5), (0, 0.2, 0.5), (3, 5)):
    out = [evaluate(lam, gam, mpd, h) for h in (qs, *halves)]
    print(f"lam {lam} gam {gam} mpd {mpd}: all {out[0]['specific']['hit@5']:.3f} (sum {out[0]['summary']['hit@5']:.3f}) even {out[1]['specific']['hit@5']:.3f} odd {out[2]['specific']['hit@5']:.3f}", flush=True)
