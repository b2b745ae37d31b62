"""Quick golden check in one process: facts present, first sentence, abstention, by split."""
import os, re, sys, json, collections
from eval.golden import load_golden, missing_facts, golden_settings, prepare_store
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import compose, extractive

for kv in os.environ.get("KNOBS", "").split():
    mod, name, val = kv.split(":")
    setattr({"compose": compose, "extractive": extractive}[mod], name, type(getattr({"compose": compose, "extractive": extractive}[mod], name))(val))
s = golden_settings(Settings.from_env(store="/tmp/h14a/golden"))
if "--ingest" in sys.argv:
    prepare_store(s)
kb = KnowledgeBase(s)
items = load_golden()
by = {i.id: i for i in items}
ans = {}
def ask(i):
    if i.id in ans: return ans[i.id]
    turns = []
    p = i.follow_up_of
    chain = []
    while p:
        chain.insert(0, by[p]); p = by[p].follow_up_of
    turns = [(c.question, ask(c).text) for c in chain]
    ans[i.id] = kb.ask(i.question, history=turns or None)
    return ans[i.id]
stats = collections.defaultdict(lambda: collections.Counter())
first_sent = re.compile(r"^(.*?\[\d+\])")
for i in items:
    a = ask(i)
    for sp in (i.split, "all"):
        c = stats[sp]
        if i.answerable:
            c["answerable"] += 1; c["false_abst"] += a.abstained
            if i.facts:
                c["with_facts"] += 1
                c["facts"] += not missing_facts(i.facts, a.text)
                m = first_sent.match(a.text.replace("\n", " "))
                c["first"] += bool(m) and not missing_facts(i.facts, m.group(1))
                c["shape_" + a.shape] += 1
        else:
            c["oos"] += 1; c["oos_declined"] += a.abstained
    if "-v" in sys.argv and ((i.answerable and i.facts and missing_facts(i.facts, a.text)) or (not i.answerable and not a.abstained) or (i.answerable and a.abstained)):
        print(f"--- {i.id} [{i.split}] {a.shape} {i.question}\n  facts {i.facts}\n  sig {a.signals}\n  {a.text[:600]}")
print("min answerable best_sentence", min(ans[i.id].signals.best_sentence for i in items if i.answerable and ans[i.id].signals))
for sp in ("tune", "heldout", "all"):
    c = stats[sp]
    print(f"{sp:8} facts {c['facts']/c['with_facts']:.3f} first {c['first']/c['with_facts']:.3f} false_abst {c['false_abst']} oos {c['oos_declined']}/{c['oos']} shapes " + " ".join(f"{k[6:]}={v}" for k, v in c.items() if k.startswith("shape_")))
