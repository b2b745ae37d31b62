import sys, json
import kb.lexical as L
from eval import golden
from kb.settings import Settings
base = L.STOPWORDS
nltk = L._nltk_stopwords("english")
for name, stop in (("bm25s", base), ("nltk", base | nltk)):
    L.STOPWORDS = frozenset(stop); L.stopwords.cache_clear()
    out = golden.run(Settings(store="/tmp/s/golden"))
    m = out["metrics"] if "metrics" in out else out
    keys = [k for k in out if k not in ("results", "golden", "store", "settings", "ingest")]
    print(name, json.dumps({k: out[k] for k in keys})[:1500], flush=True)
