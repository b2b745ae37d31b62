"""Which documents of a store are laid out as methods (compose.is_method):
PYTHONPATH=$PWD python docs/decisions/14/session4/methods_in_store.py STORE"""
import sys
from collections import defaultdict
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import compose
kb = KnowledgeBase(Settings.from_env(store=sys.argv[1]))
lex = kb.retriever.lexical.get()
secs = defaultdict(list)
for i, cid in enumerate(lex.ids):
    text, meta = lex.table.row(i)
    secs[meta.get("source")].append(meta.get("section"))
for src, ss in sorted(secs.items()):
    if compose.is_method(ss):
        print("METHOD", src, [compose.step_of(x) for x in dict.fromkeys(ss)])
