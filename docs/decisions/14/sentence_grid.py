"""Sentence choice grid: retrieve once per question, then recompose under each setting.

python docs/decisions/14/sentence_grid.py golden|eu-call-topics|real-pdfs|qmsum STORE \
    'label:module.NAME=value,...' ...
GRID_LIMIT=N asks N questions of an external set (40 unless set: sessions 1-3; session 4 asked
every one, GRID_LIMIT=1000); FILLER_OFF=1 turns ``vocabulary.says_something`` off (session 4).
Golden: facts present and fact-in-first-sentence by split, OOS declined; external sets: kb
beside the same-length cosine baseline (eval/external.py's)."""
import sys, collections, numpy as np
from kb.api import KnowledgeBase
from kb.settings import Settings
from kb.answer import compose, extractive, abstain, discussion
import os
if os.environ.get("FILLER_OFF"):
    extractive.says_something = discussion.says_something = lambda *a: True
from eval import answers
from eval.external import baseline_sentences

which, store, configs = sys.argv[1], sys.argv[2], sys.argv[3:] or ["base:"]
cases = []  # (id, split, answerable, facts, by_words, args)
if which == "golden":
    from eval.golden import load_golden, golden_settings
    kb = KnowledgeBase(golden_settings(Settings.from_env(store=store)))
    items = load_golden(); by = {i.id: i for i in items}
    todo = [(i.id, i.split, i.answerable, i.facts, False, i.question,
             [(by[i.follow_up_of].question, "")] if i.follow_up_of else None) for i in items]
else:
    from eval.external_sets import build
    kb = KnowledgeBase(Settings.from_env(store=f"{store}/eval-external/{which}"))
    ext = build(which, "/work/shared/eval-data", int(os.environ.get("GRID_LIMIT", 40)))
    todo = [(q.id, "ext", True, q.facts, True, q.question, None) for q in ext.questions]
grab = {}
orig = kb._compose
def spy(q, qvec, hits, lexical):
    grab["args"] = (q, qvec, hits, lexical); return orig(q, qvec, hits, lexical)
kb._compose = spy
for id_, split, ok, facts, bw, question, hist in todo:
    kb.ask(question, history=hist)
    q, qvec, hits, lex = grab["args"]
    base = baseline_sentences(question, hits, kb.embedder, 8) if which != "golden" else []
    cases.append((id_, split, ok, facts, bw, grab["args"], base))
kb._compose = orig
mods = {"compose": compose, "extractive": extractive}
for cfg in configs:
    label, _, sets = cfg.partition(":")
    saved = []
    for kv in filter(None, sets.split(",")):
        name, val = kv.split("=")
        m, attr = name.split(".")
        saved.append((mods[m], attr, getattr(mods[m], attr)))
        setattr(mods[m], attr, type(getattr(mods[m], attr))(val))
    st = collections.defaultdict(collections.Counter); fails = []
    for id_, split, ok, facts, bw, (q, qvec, hits, lex), base in cases:
        draft, ranked = kb._compose(q, qvec, hits, lex)
        sig = abstain.signals(q, hits, ranked, draft.citations)
        declined = not draft.text or abstain.reason(sig, kb.settings) is not None
        for sp in (split, "all"):
            c = st[sp]
            if not ok:
                c["oos"] += 1; c["oos_declined"] += declined; continue
            c["false_abst"] += declined
            if not facts: continue
            text = "" if declined else draft.text
            ps = [h.text for h in hits]
            c["n"] += 1
            c["fact"] += not answers.facts_missing(facts, text, bw)
            c["first"] += bool(text) and answers.fact_first(facts, text, bw, ps)
            n = len(answers.answer_sentences(text, ps)) or 5
            c["bfact"] += bool(base) and not answers.facts_missing(facts, " ".join(base[:n]), bw)
            c["bfirst"] += bool(base) and any(answers.holds(f, base[0], bw) for f in facts)
            c["sents"] += n
        if ok and facts and split != "heldout" and answers.facts_missing(facts, draft.text, bw):
            fails.append(id_)
    for m, attr, v in saved:
        setattr(m, attr, v)
    out = [label]
    for sp, c in sorted(st.items()):
        s = f"{sp} fact {c['fact']/max(c['n'],1):.3f} first {c['first']/max(c['n'],1):.3f} len {c['sents']/max(c['n'],1):.1f}"
        if which != "golden": s += f" | cos fact {c['bfact']/c['n']:.3f} first {c['bfirst']/c['n']:.3f}"
        else: s += f" fa {c['false_abst']} oos {c['oos_declined']}/{c['oos']}"
        out.append(s)
    print(" || ".join(out), flush=True)
    if "-v" in label: print("  fails:", " ".join(fails), flush=True)
