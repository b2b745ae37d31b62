"""SciFact BM25 nDCG@10 with and without diacritic folding:
PYTHONPATH=$PWD python docs/decisions/14/session4/bm25_fold_scifact.py fold|nofold"""
import json, numpy as np, bm25s, sys
from kb import lexical
D = "/work/shared/eval-data/scifact"
docs = [json.loads(l) for l in open(f"{D}/corpus.jsonl")]
qs = {json.loads(l)["_id"]: json.loads(l)["text"] for l in open(f"{D}/queries.jsonl")}
qrels = {}
for i, l in enumerate(open(f"{D}/qrels/test.tsv")):
    if i == 0: continue
    q, d, s = l.split("\t"); qrels.setdefault(q, {})[d] = int(s)
def run(fold_on):
    if not fold_on:
        lexical.fold = lambda w: w
    toks = [lexical.tokenize(d["title"] + " " + d["text"]) or [""] for d in docs]
    bm = bm25s.BM25(k1=0.9, b=0.4); bm.index(toks, show_progress=False)
    nd = []
    for q, rel in qrels.items():
        res, sc = bm.retrieve([lexical.tokenize(qs[q])], k=10, show_progress=False)
        ids = [docs[i]["_id"] for i in res[0]]
        dcg = sum((1 if ids[i] in rel else 0) / np.log2(i + 2) for i in range(10))
        idcg = sum(1 / np.log2(i + 2) for i in range(min(10, len(rel))))
        nd.append(dcg / idcg)
    changed = sum(1 for t in toks for w in t if not w.isascii())
    return np.mean(nd), changed
print(sys.argv[1], run(sys.argv[1] == "fold"))
