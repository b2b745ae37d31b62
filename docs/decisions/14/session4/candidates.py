"""The six best candidate sentences of golden questions, with their terms:
PYTHONPATH=$PWD python docs/decisions/14/session4/candidates.py web-013 rep-001 ..."""
import sys
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import extractive
from eval.golden import load_golden, golden_settings
kb = KnowledgeBase(golden_settings(Settings.from_env(store="/tmp/s/golden")))
items = {i.id: i for i in load_golden()}
grab = {}
orig = kb._compose
def spy(q, qvec, hits, lexical):
    grab["a"] = (q, qvec, hits, lexical); return orig(q, qvec, hits, lexical)
kb._compose = spy
for id_ in sys.argv[1:]:
    it = items[id_]
    hist = [(items[it.follow_up_of].question, "")] if it.follow_up_of else None
    kb.ask(it.question, history=hist)
    q, qvec, hits, lex = grab["a"]
    fvec = kb.embedder.embed_query(q.focus) if q.focus != q.query else None
    ranked = extractive.read(hits, q.focus_terms, lex, kb.embedder, qvec, fvec, q.asks_figure, q.wanted)
    top = max(h.score for h in hits)
    print("==", id_, it.question, "| facts", it.facts)
    for s in ranked[:6]:
        fact = any(f.lower() in s.text.lower() for f in it.facts)
        print(f"  {'*' if fact else ' '} {s.score:.3f} cos {s.cosine:.3f} pass {s.hit.score/top:.2f} intro {extractive._opens_document(s.hit)} lead {'y' if s.previous else 'n'} | {s.text[:110]}")
