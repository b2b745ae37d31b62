import sys, json
from kb.answer import discussion, recording
from eval import golden
from kb.settings import Settings
variant = sys.argv[1]
if variant in ("floor_only", "none"):
    discussion.followed = lambda span, windows, gap=60.0: span
if variant in ("followed_only", "none"):
    discussion.KEY_FLOOR = 0.0
out = golden.run(Settings(store="/tmp/s/golden"))
rs = {r["id"]: r for r in out["results"]}
mtg = [r for k, r in rs.items() if k.startswith("mtg")]
print(variant, "all facts", out["splits"]["all"]["facts_present"], "first", out["splits"]["all"]["fact_first"],
      "ts", out["splits"]["all"]["timestamp_accuracy"],
      "| mtg facts", sum(bool(r["facts_present"]) for r in mtg if r["facts_present"] is not None),
      "ts", sum(bool(r.get("timestamp_ok")) for r in mtg if r.get("timestamp_ok") is not None))
