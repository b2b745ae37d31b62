import sys
import kb.lexical as L
from eval import qmsum
from kb.settings import Settings
from kb.embedding import get_embedder
ms = qmsum.load()
s = Settings(store="/tmp/h18/qm/qmsum-w75-o0", sentence_vectors=False, cue_window_seconds=75.0, cue_window_tokens=200)
emb = get_embedder(s)
base = L.STOPWORDS
nltk = L._nltk_stopwords("english")
extra = nltk | {"say", "said", "think", "thought", "discuss", "discussed", "discussing", "talk", "talked", "talking"}
for name, stop in (("bm25s", base), ("nltk", base | nltk), ("nltk+talk", base | extra)):
    L.STOPWORDS = frozenset(stop)
    L.stopwords.cache_clear() if hasattr(L.stopwords, "cache_clear") else None
    ranks = qmsum.kb_ranks(ms, s, emb)
    sc = qmsum.scores(ranks, qmsum.queries_of(ms))
    print(name, len(stop), "specific", sc["specific"]["hit@5"], sc["specific"]["mrr@10"], "summary", sc["summary"]["hit@5"], flush=True)
