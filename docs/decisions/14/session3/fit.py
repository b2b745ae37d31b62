import sys, numpy as np, math
sys.path.insert(0, "docs/decisions/14/session3")
from an import sets, groups, evaluate, lin, CUR
def fx(f, keys):
    out = []
    for k in keys:
        v = f[k]
        if k == "new": v = min(v, 12) / 12
        if k == "words": v = min(v, 40) / 40
        if k == "pos": v = float(v == 0)
        if k == "rank": v = 1.0 / (1 + v)
        out.append(v)
    return out
def fit(keys, train_splits=("tune",), l2=1.0, pairwise=True):
    X, y = [], []
    for sp, r in groups():
        if sp not in train_splits: continue
        c = [f for f in r["sents"] if not f["question"]]
        pos = [fx(f, keys) for f in c if f["label"]]; neg = [fx(f, keys) for f in c if not f["label"]]
        if not pos or not neg: continue
        wq = 1.0 / (len(pos) * len(neg))
        for p in pos:
            for n in neg:
                X.append(np.subtract(p, n)); y.append(wq)
    X = np.array(X); wts = np.array(y); w = np.zeros(len(keys))
    for it in range(3000):
        z = X @ w; p = 1 / (1 + np.exp(-z))
        g = -(X * ((1 - p) * wts)[:, None]).sum(0) / wts.sum() + l2 * w / len(set()) if False else -(X * ((1 - p) * wts)[:, None]).sum(0) / wts.sum() + 1e-3 * l2 * w
        w -= 0.5 * g
    return dict(zip(keys, w))
if __name__ == "__main__":
    base = ["cos", "lex", "passage", "figure", "typed", "counted", "intro", "lead"]
    evaluate("current", lin(CUR))
    evaluate("current-lead", lin({**CUR, "lead": 0}))
    for keys in [base, [k for k in base if k != "lead"], base + ["new"], base + ["words"], base + ["pos", "rank"], base + ["heading"],
                 [k for k in base if k != "lead"] + ["new", "words"]]:
        w = fit(keys)
        wn = {k: round(v / w["cos"], 2) for k, v in w.items()}
        evaluate("fit " + ",".join(k[:3] for k in keys if k not in base) + ("-lead" if "lead" not in keys else ""), lambda f, w=w, keys=keys: float(np.dot(fx(f, keys), list(w.values()))))
        print("   ", wn)
