"""QMSum answers over every meeting: python docs/decisions/14/session4/qmsum_all.py EVERY STORE OUT.json
(EVERY=1: all 35 meetings; 3: the old every-third sample)."""
import json, sys
from eval import external, external_sets
from kb.settings import Settings
external_sets.QMSUM_EVERY = int(sys.argv[1])
out = external.run("qmsum", "/work/shared/eval-data", Settings.from_env(store=sys.argv[2]), limit=1000, log=print)
print(json.dumps(out["summary"], indent=1))
json.dump(out, open(sys.argv[3], "w"), indent=1)
