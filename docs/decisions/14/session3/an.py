import pickle, sys, numpy as np
from eval import answers
sets = {n: pickle.load(open(f"/tmp/s/f-{n}.pkl","rb")) for n in ["golden","eu-call-topics","real-pdfs","qmsum"]}
def groups():
    for n, rows in sets.items():
        for r in rows:
            if not r["ok"] or not r["facts"] or not r["sents"]: continue
            sp = r["split"] if n == "golden" else n
            yield sp, r
CUR = dict(cos=1, lex=0.5, passage=1.0, figure=0.2, typed=0.2, counted=0.2, intro=-0.4, lead=0.3)
def lin(w):
    return lambda f: sum(v * f[k] for k, v in w.items())
def evaluate(name, score, k=3, shapes=None):
    out = {}
    for sp, r in groups():
        if shapes and r["shape"] not in shapes: continue
        c = [f for f in r["sents"] if not f["question"]]
        c.sort(key=score, reverse=True)
        top = c[:k]
        first = c[0]["label"] if c else False
        allin = all(any(answers.holds(fa, f["text"], r["bw"]) for f in top) for fa in r["facts"])
        o = out.setdefault(sp, [0,0,0]); o[0]+=1; o[1]+=first; o[2]+=allin
    print(f"{name:28s}", "  ".join(f"{sp} {o[1]/o[0]:.3f}/{o[2]/o[0]:.3f} ({o[0]})" for sp, o in sorted(out.items())))
if __name__ == "__main__":
    evaluate("cosine", lambda f: f["cosq"])
    evaluate("cos(mean)", lambda f: f["cos"])
    evaluate("current", lin(CUR))
    for drop in CUR:
        if drop == "cos": continue
        w = dict(CUR); w[drop] = 0
        evaluate(f"current -{drop}", lin(w))
