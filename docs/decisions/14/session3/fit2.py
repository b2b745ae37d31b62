import sys; sys.path.insert(0, "docs/decisions/14/session3")
from an import evaluate, lin, CUR
C = {**CUR, "lead": 0}
evaluate("current", lin(CUR))
evaluate("current-lead", lin(C))
evaluate("cosine", lambda f: f["cosq"])
evaluate("win only", lambda f: f["win"])
evaluate("cos+win /2", lambda f: (f["cosq"] + f["win"]) / 2)
for a in (0.3, 0.5, 0.7, 1.0):
    evaluate(f"C + win*{a}", lambda f, a=a: lin(C)(f) + a * f["win"])
    evaluate(f"C(cos->mix {a})", lambda f, a=a: lin(C)(f) - a * f["cos"] + a * f["win"])
for a in (0.3, 0.5):
    evaluate(f"C + next*{a}", lambda f, a=a: lin(C)(f) + a * f["next"])
