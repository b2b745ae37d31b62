import numpy as np, sys
from eval import qmsum
from kb.settings import Settings
from kb.embedding import get_embedder
from kb.api import KnowledgeBase, ANSWER_HITS, ANSWER_PER_DOC, document_hits
from kb.answer import discussion
from kb.answer.recording import search_query
ms = qmsum.load()
s = Settings(store="/tmp/h18/qm/qmsum-w75-o0", sentence_vectors=False)
emb = get_embedder(s); kb = KnowledgeBase(s, embedder=emb)
lex = kb.retriever.lexical.get()
qs = [q for m in ms for q in m.queries if q.group == "summary"]
res = {q.qid: kb.retriever.search(search_query(q.text), k=ANSWER_HITS, max_per_doc=ANSWER_PER_DOC) for q in qs}
docwins = {}
def windows(doc_id):
    if doc_id not in docwins:
        docwins[doc_id] = sorted(document_hits(lex, doc_id, 0.0), key=lambda h: h.start)
    return docwins[doc_id]
def extend(sp, before, after, min_len):
    wins = windows(sp.lead.doc_id)
    starts = [w.start for w in wins]
    i0 = min(range(len(wins)), key=lambda i: abs(wins[i].start - sp.start))
    i1 = min(range(len(wins)), key=lambda i: abs(wins[i].end - sp.end))
    i0 = max(0, i0 - before); i1 = min(len(wins) - 1, i1 + after)
    while min_len and wins[i1].end - wins[i0].start < min_len and (i0 > 0 or i1 < len(wins) - 1):
        if i1 < len(wins) - 1: i1 += 1
        if wins[i1].end - wins[i0].start < min_len and i0 > 0: i0 -= 1
    return wins[i0].start, wins[i1].end
for name, b, a, ml in (("current", 0, 0, 0), ("+1 after", 0, 1, 0), ("+1 both", 1, 1, 0), ("min 150 s", 0, 0, 150), ("min 240 s", 0, 0, 240)):
    for half in (0, 1, None):
        sub = [q for q in qs if half is None or q.meeting % 2 == half]
        hit = 0; prec = []; length = []
        for q in sub:
            spans = discussion.merge_spans(res[q.qid])
            if not spans: prec.append(0); continue
            sp = spans[0]
            st, en = extend(sp, b, a, ml) if (b or a or ml) else (sp.start, sp.end)
            same = sp.lead.source == q.source
            hit += same and qmsum.overlaps(st, en, q.spans)
            inside = sum(max(0, min(en, y) - max(st, x)) for x, y in q.spans) if same else 0
            prec.append(inside / max(en - st, 1)); length.append(en - st)
        print(f"{name:10s} half {half}: span hit {hit/len(sub):.3f} precision {np.mean(prec):.3f} length {np.mean(length):.0f} s", flush=True)
