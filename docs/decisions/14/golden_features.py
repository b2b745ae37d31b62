"""Cache every golden question's candidate sentences with features, then score weight variants."""
import os, re, sys, json, pickle, collections
import numpy as np
from eval.golden import load_golden, missing_facts, golden_settings, normalise
from kb.api import KnowledgeBase, normalise_history, ANSWER_HITS, ANSWER_PER_DOC
from kb.settings import Settings
from kb.answer import extractive
from kb.answer.question import analyse
from kb.lexical import tokenize
import importlib.util
_spec = importlib.util.spec_from_file_location("ex_old", "/tmp/h14a/base/kb/answer/extractive.py")
ex_old = importlib.util.module_from_spec(_spec); sys.modules["ex_old"] = ex_old
sys.modules.setdefault("kb.answer.answer_type", __import__("kb.answer.answer_type", fromlist=["x"]))
_spec.loader.exec_module(ex_old)

s = golden_settings(Settings.from_env(store="/tmp/h14a/golden"))
kb = KnowledgeBase(s)
items = [i for i in load_golden() if i.answerable and i.facts]
by = {i.id: i for i in load_golden()}
lex = kb.retriever.lexical.get()
MONEY = re.compile(r"\b(?:EUR|SEK|NOK|DKK|USD|kr|euros?|kroner|kronor)\b|[€$£]", re.I)
TIME = re.compile(r"\b(?:minutes?|hours?|days?|weeks?|months?|years?)\b", re.I)
EMPH = re.compile(r"(?<![*\w])\*{1,2}[^*\s][^*\n]*\*{1,2}(?![*\w])")
rows = []
for i in items:
    chain = []
    p = i.follow_up_of
    while p:
        chain.insert(0, by[p].question); p = by[p].follow_up_of
    query = i.question if not chain else f"{chain[-1]} {i.question}"
    query = kb._standalone(i.question, [(c, "") for c in chain], None)
    q = analyse(i.question, query, kb.retriever.records(), lex)
    qvec = kb.embedder.embed_query(q.query)
    hits = kb.retriever.search(q.query, k=ANSWER_HITS, qvec=qvec, max_per_doc=ANSWER_PER_DOC)
    fvec = kb.embedder.embed_query(q.focus) if q.focus != q.query else None
    old = extractive.LEXICAL, extractive.PASSAGE, extractive.FIGURE
    extractive.LEXICAL = extractive.PASSAGE = extractive.FIGURE = 0.0
    ranked = extractive.read(hits, q.focus_terms, lex, kb.embedder, qvec, fvec, q.asks_figure)
    extractive.LEXICAL, extractive.PASSAGE, extractive.FIGURE = old
    top = max(h.score for h in hits)
    w = {t: lex.idf(t) for t in set(q.focus_terms)}; tot = sum(w.values()) or 1
    wq = {t: lex.idf(t) for t in set(q.terms)}; totq = sum(wq.values()) or 1
    money_q = bool(re.search(r"\b(cost|price|fee|budget|charged?|pay|paid|money|worth|funding|grant)\b", q.focus, re.I))
    time_q = bool(re.search(r"\bhow (long|soon|fast|quickly)\b|\bhow many (hours|days|weeks|months)\b|\bwhen\b", q.focus, re.I))
    from kb.answer.answer_type import answer_type
    wanted = answer_type(q.focus)
    feats = []
    rank_of = {h.chunk_id: r for r, h in enumerate(hits)}
    for snt in ranked:
        topic = set(tokenize(f"{snt.hit.title} {snt.hit.section or ''}"))
        held = set(tokenize(snt.text)) - topic
        feats.append(dict(
            cos=snt.score, lex=sum(v for t, v in w.items() if t in held) / tot,
            lexq=sum(v for t, v in wq.items() if t in held) / totq,
            hit=snt.hit.score / top, rank=rank_of.get(snt.hit.chunk_id, 12),
            fig=float(q.asks_figure and bool(extractive._FIGURE.search(snt.text))),
            money=float(money_q and bool(MONEY.search(snt.text))),
            time=float(time_q and bool(TIME.search(snt.text))),
            emph=float(bool(EMPH.search(snt.text, 1))),
            words=min(len(snt.text.split()), 40) / 40,
            intro=float(ex_old._is_intro(snt.hit)),
            lead=sum(v for t, v in w.items() if t in set(tokenize(ex_old._lead_in(snt.hit.text, snt.offset))) - topic) / tot,
            typed=min(wanted.match(snt.text), 1.0), counted=max(wanted.match(snt.text) - 1.0, 0.0),
            text=snt.text, doc=snt.hit.doc_id))
    rows.append(dict(id=i.id, split=i.split, shape=q.shape, facts=i.facts, feats=feats))
pickle.dump(rows, open("/tmp/h14a/feats.pkl", "wb"))
print("cached", len(rows))
