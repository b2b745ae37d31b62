import sys; sys.path.insert(0, "docs/decisions/14/session3")
from an import groups, lin, CUR
sc = lin({**CUR, "lead": 0})
n = 0
for sp, r in groups():
    if sp not in ("tune",): continue
    c = sorted([f for f in r["sents"] if not f["question"]], key=sc, reverse=True)
    if c[0]["label"]: continue
    ranks = [i for i, f in enumerate(c) if f["label"]]
    n += 1
    if n > 14: break
    print(f"\n## {r['id']} [{r['shape']}] {r['question']}\n   facts {r['facts']}")
    for f in c[:2]:
        print(f"   top {sc(f):.2f} cos {f['cos']:.2f} lex {f['lex']:.2f} pas {f['passage']:.2f}  {f['text'][:150]}")
    if ranks:
        f = c[ranks[0]]
        print(f"   FACT@{ranks[0]+1} {sc(f):.2f} cos {f['cos']:.2f} lex {f['lex']:.2f} pas {f['passage']:.2f} int {f['intro']} {f['text'][:150]}")
