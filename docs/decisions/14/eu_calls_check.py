"""External check on EU call topics (text nobody here wrote): kb's answer vs the same number of
sentences ranked by plain MiniLM cosine over the same hits; first sentence vs top-cosine one."""
import json, os, re, sys, itertools
from pathlib import Path
import numpy as np

SRC = "/work/shared/eval-data/eu-call-topics/eu_ft_call_topics_open.jsonl"
CORPUS = Path(os.environ.get("EU_CORPUS", "/tmp/h14a/eu-corpus")); STORE = os.environ.get("EU_STORE", "/tmp/h14a/eu-store")
N_DOCS = int(os.environ.get("N_DOCS", "80"))
rows = [json.loads(l) for l in open(SRC)]
seen, docs = set(), []
for r in rows:
    d = (r.get("description") or "").strip()
    if len(d) < 1500 or r["title"] in seen: continue
    seen.add(r["title"]); docs.append(r)
    if len(docs) == N_DOCS: break
CORPUS.mkdir(parents=True, exist_ok=True)
for r in docs:
    title = " ".join(r["title"].split()).replace('"', "'")
    (CORPUS / f"{r['topicId'].lower()}.md").write_text(f'---\ntitle: "{title}"\n---\n{r["description"]}\n')
MONEY = re.compile(r"EUR\s?\d[\d ,.]*(?:\s?(?:million|billion))?")
MONTHS = re.compile(r"\b(\d+|six|twelve|eighteen|twenty-four|thirty-six|forty-eight)\s+months\b", re.I)
qs = []
for r in docs:
    t, d = " ".join(r["title"].split()), r["description"]
    name = t if t.upper() != t else t.title()
    m = MONEY.search(d)
    if m:
        qs.append((f"How much EU funding is available for {name}?", m.group(0).strip(" ,.")))
    m = MONTHS.search(d)
    if m:
        qs.append((f"How many months does a project under {name} last?", m.group(0)))
print(len(docs), "documents,", len(qs), "questions", file=sys.stderr)

from kb.settings import Settings
from kb.api import KnowledgeBase, ANSWER_HITS, ANSWER_PER_DOC
from kb.sentences import quotable as candidates
from kb.answer import extractive
from eval.golden import missing_facts
settings = Settings.from_env(store=STORE)
if "--ingest" in sys.argv:
    from ingest.pipeline import run
    rep = run([CORPUS], settings); print(rep.to_dict()["added"], "added", file=sys.stderr)
kb = KnowledgeBase(settings)
MARK = re.compile(r"\s*\[\d+\]")

def sentences_of(text):
    return [p.strip() for p in re.split(r"\[\d+\]", text) if p.strip()]

def baseline(q, k):
    qvec = kb.embedder.embed_query(q)
    hits = kb.retriever.search(q, k=ANSWER_HITS, qvec=qvec, max_per_doc=ANSWER_PER_DOC)
    cands = list(dict.fromkeys(s for h in hits for _, s in candidates(h.text)))
    if not cands: return []
    v = np.asarray(kb.embedder.embed_sentences(cands)); order = np.argsort(-(v @ qvec))
    return [cands[i] for i in order[:k]]

configs = {"kb": {}}
if "--grid" in sys.argv:
    for lx, ps, fg in itertools.product((0.3, 0.5, 1.0), (0.0, 0.5, 1.0), (0.0, 0.2)):
        configs[f"lex{lx}-pas{ps}-fig{fg}"] = {"LEXICAL": lx, "PASSAGE": ps, "FIGURE": fg}
base = {k: getattr(extractive, k) for k in ("LEXICAL", "PASSAGE", "FIGURE") if hasattr(extractive, k)}
res = {name: [0, 0, 0] for name in configs}; bl = [0, 0]; n = 0; lens = []
answers = {}
for name, knobs in configs.items():
    for k, v in {**base, **knobs}.items(): setattr(extractive, k, v)
    for q, fact in qs:
        a = kb.ask(q)
        sents = [] if a.abstained else sentences_of(a.text)
        r = res[name]
        r[0] += bool(sents) and not missing_facts([fact], " ".join(sents))
        r[1] += bool(sents) and not missing_facts([fact], sents[0])
        r[2] += a.abstained
        answers.setdefault(q, len(sents) or 3)
for q, fact in qs:
    b = baseline(q, answers[q])
    bl[0] += bool(b) and not missing_facts([fact], " ".join(b))
    bl[1] += bool(b) and not missing_facts([fact], b[0])
N = len(qs)
print(f"questions {N}; cosine baseline (same sentence count as kb's default answer): whole {bl[0]/N:.3f} first {bl[1]/N:.3f}")
for name, r in res.items():
    print(f"{name:24} whole {r[0]/N:.3f} first {r[1]/N:.3f} abstained {r[2]}")
