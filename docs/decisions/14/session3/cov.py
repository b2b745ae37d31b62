import pickle, re
from kb.lexical import tokenize, _WORD
from kb.answer.vocabulary import zipf
def cov(q, texts):
    held = set()
    for t in texts: held |= set(tokenize(t))
    tot = got = 0.0
    for w in set(_WORD.findall(q)):
        toks = tokenize(w)
        if not toks: continue
        z = zipf(w.lower())
        wt = max(0.5, 7.0 - z)  # rarer in English -> more telling
        tot += wt; got += wt * (toks[0] in held)
    return got / tot if tot else 1.0
for n in ["golden","eu-call-topics","real-pdfs","qmsum"]:
    rows = pickle.load(open(f"/tmp/s/f-{n}.pkl","rb"))
    for r in rows:
        sig = r.get("sig")
        if sig is None or "ps" not in r: continue
        q = r["question"]
        c1 = cov(q, r["ps"][:1]); c3 = cov(q, r["ps"][:3]); call = cov(q, r["ps"])
        if (not r["ok"]) or sig.best_sentence < 0.47:
            print(f"{n[:6]} {r['id']:8s} ok={int(r['ok'])} best {sig.best_sentence:.3f} cov1 {c1:.2f} cov3 {c3:.2f} covall {call:.2f} | {q[:70]}")
