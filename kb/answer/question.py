"""A question, analysed once: the one typed value that ``ask`` retrieves with, composes for and
judges abstention on (``analyse``). Nothing after it tokenises the question again.

- ``shape``: what kind of answer the wording asks for (``SHAPES``): a fact ("how much", "when",
  "who"), a procedure ("how do we run ...", "what are the steps"), a list of documents ("which
  projects ...", "examples of ..."), a discussion ("summarize ...", "what was decided about ...",
  composed by kb.answer.recording (a merged span's key sentences in time order)), else a passage;
- ``focus``: the user's own words of this turn (a follow-up is searched together with the question
  it leans on, ``query``, but answered for its own words);
- ``filters``: organisations, categories, kinds and years it states that the store's records hold
  ("Which projects did Mobile Heights coordinate?", "events for SMEs", "projects since 2021");
- ``speakers``: people it names who speak in a stored transcript (full name, or a surname only
  one of them has) and whose own words it asks for ("Who is X?" asks about X, not for X's
  words);
- ``unknown_share``: how much of it is words the store never uses and that are not ordinary words
  of the language either (``kb.answer.vocabulary``), judged on ``words`` (the query without the
  speakers it names) in ``language`` (the store language it fits best).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kb.answer import vocabulary
from kb.answer.answer_type import AnswerType, answer_type
from kb.answer.names import exact_terms, places
from kb.lexical import fold
from kb.models import CATEGORIES, Filters
from kb.speakers import known_speakers, named_speakers

SHAPES = ("fact", "procedure", "list", "passage", "discussion")

_FOCUS = re.compile(r"[^?]+\?|[^?]+$")
_DISCUSSION = re.compile(
    r"^\W*(?:please\s+)?(?:summari[sz]e|sum up|recap)\b|\bwhat (?:was|were|has been|have been) "
    r"(?:decided|agreed|concluded|discussed)\b|\bwhat did (?:they|we|the \w+) (?:decide|agree|"
    r"conclude|discuss)\b", re.I)
_STEPS = re.compile(r"\b(?:what|which) are the (?:main |key |first |next )?(?:steps|stages|phases)"
                    r"\b|\b(?:what|which) (?:steps|stages|phases)\b|\bstep[- ]by[- ]step\b|"
                    r"\bsteps (?:to|for|in)\b|\bhow to\b|\bbest way to\b|\bgo about\b|"
                    r"\b(?:guide|walk|take) (?:me|us) through\b|\bwhat does it take to\b|"
                    r"\bvilka (?:är|var) (?:de )?(?:första |viktigaste )?stegen\b|"
                    r"\bsteg för steg\b|\bgår (?:man|vi|ni) tillväga\b", re.I)
_HOW_DO = re.compile(
    r"\bhow (?:do|does|did|can|could|should|would|might|to)\s+(?:\w+\s+){0,3}?(?:run|organi[sz]e|"
    r"set up|setup|carry out|plan|prepare|hold|host|start|launch|implement|conduct|design|build|"
    r"arrange|establish|create|introduce|manage|facilitate|structure|do|make|get|use|apply|"
    r"measure|follow up|recruit|select|evaluate)\b|"
    r"\bhow (?:is|are|was|were) (?:\w+\s+){1,4}?(?:run|organi[sz]ed|set up|carried out|planned|"
    r"prepared|held|hosted|started|launched|implemented|conducted|arranged|established|"
    r"introduced|managed|facilitated|followed up|evaluated)\b|"
    r"\bwhat (?:should (?:i|we|you|one)|do (?:i|we|you) (?:need|have) to) (?:do|prepare|plan|"
    r"organi[sz]e)\b|"
    r"\bhur (?:gör|ordnar|organiserar|genomför|planerar|förbereder|startar|driver|arrangerar|"
    r"håller|följer|bygger|skapar|använder|mäter|rekryterar) (?:man|vi|ni|andra|de|\w+et|\w+en)\b",
    re.I)
_PLURAL_NOUN = (r"(?:projects?|reports?|methods?|tools?|calls?|webinars?|recordings?|events?|"
                r"services?|initiatives?|programmes?|programs?|clusters?|organi[sz]ations?|"
                r"examples?|cases?|activities|formats?)")
_LIST = re.compile(
    rf"^\W*(?:and |so |but )?(?:which|what)\s+(?:other\s+)?(?:[\w-]+\s+){{0,2}}?(?:projects|"
    rf"reports|methods|tools|calls|webinars|recordings|events|services|initiatives|programmes|"
    rf"programs|activities|formats)\b|\bexamples? of\b|\bwho (?:has|have) (?:worked|been working)"
    rf"\b|^\W*(?:list|name|show)\s+(?:me\s+)?(?:all\s+|the\s+|some\s+)*{_PLURAL_NOUN}\b|"
    rf"\bare there (?:any )?{_PLURAL_NOUN}\b|"
    r"^\W*(?:och |så )?vilka\s+(?:andra\s+)?(?:projekt|metoder|verktyg|webbinarier|evenemang|"
    r"tjänster|initiativ|program|utlysningar)\b|\bexempel på\b", re.I)
_FACT = re.compile(
    r"\bhow (?:much|many|long|often|soon|fast|quickly|early|late|large|big|high|old)\b|\bwhen\b|"
    r"\bwho\b|\bwhom\b|\bwhose\b|\bwhat (?:year|date|month|day|time)\b|\bwhich (?:year|month|"
    r"day)\b|\bwhat (?:does|did|do|would|will) (?:\w+\s+){0,4}?(?:cost|charge|pay|earn)\b|"
    r"\bwhat (?:is|was|are|were) the (?:\w+\s+){0,3}?(?:cost|price|fee|budget|funding|deadline|"
    r"duration|number|amount|share|rate|name|size|date|total)\b|\bwhere\b|^\W*(?:is|are|was|"
    r"were|does|do|did|can|has|have)\b|"
    r"\bhur (?:mycket|många|länge|ofta|stor|stort)\b|\bnär\b|\bvem\b|"
    r"\bvad (?:kostar|betalar|kostade|tar)\b", re.I)
# wording that asks for a figure: an amount, a count, a duration, a date, a share
_FIGURE = re.compile(
    r"\bhow (?:much|many|long|often|soon|fast|quickly|large|big|high|old)\b|\bwhen\b|"
    r"\bwhat (?:year|date|month)\b|\b(?:cost|costs|price|fee|fees|budget|charged?|pay|paid|"
    r"worth|percent\w*|share|number of|amount)\b", re.I)
# a list's subject noun and the kind or category of document it asks for
_KIND_NOUNS = {"project": "report", "report": "report", "method": "toolbox", "tool": "toolbox",
               "webinar": "transcript", "recording": "transcript"}
_CATEGORY_NOUNS = {"event": "event", "service": "service", "initiative": "long-term initiative",
                   "programme": "long-term initiative", "program": "long-term initiative"}
_NOUN = re.compile(r"\b(projects?|reports?|methods?|tools?|webinars?|recordings?|events?|services?"
                   r"|initiatives?|programmes?|programs?)\b", re.I)
_AND_NOUN = re.compile(rf"\s*(?:,|and/or|or|and|&)\s*(?:other\s+)?{_NOUN.pattern}", re.I)
_SPEECH = re.compile(r"\b(?:did|does|do|say|says|said|think|thinks|thought|mention|mentions|"
                     r"mentioned|talk|talks|talked|ask|asks|asked|answer|answers|answered|"
                     r"respond|responds|responded|explain|explains|explained|describe|describes|described|comment|"
                     r"comments|commented|suggest|suggests|suggested|propose|proposes|proposed|"
                     r"argue|argues|argued|elaborate|elaborates|elaborated|opinion|view|views|"
                     r"säga|sa|säger|tycker|tyckte|berätta|berättade)\b", re.I)
_WHO_IS = re.compile(r"^\W*(?:and\s+)?who\s+(?:is|was|are|were)\b|^\W*vem\s+(?:är|var)\b", re.I)
_SINCE = re.compile(r"\b(?:since|after|from)\s+((?:19|20)\d\d)\b", re.I)
_BEFORE = re.compile(r"\b(?:before|until|up to|by)\s+((?:19|20)\d\d)\b", re.I)
_IN_YEAR = re.compile(r"\b(?:in|during)\s+((?:19|20)\d\d)\b", re.I)
_NAME_WORDS = re.compile(r"[A-ZÅÄÖÆØ][\w&'’-]*")
_ORG_FIELDS = ("coordinator", "contributed_by")


@dataclass(frozen=True)
class Question:
    """One question, analysed (``analyse``)."""

    text: str  # what the user asked this turn
    query: str  # what is searched: ``text``, or a follow-up together with its parent
    focus: str  # the user's own question (the last one of ``text``)
    shape: str = "passage"
    filters: Filters | None = None  # stated in the question and held by the store
    filter_labels: tuple[str, ...] = ()  # each stated filter, for people ("kind: report")
    speakers: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()  # kinds of document it names ("the webinar on X": transcript)
    exact: tuple[str, ...] = ()  # names and years it states exactly (``names.exact_terms``)
    places: tuple[str, ...] = ()  # places a fact question is scoped to (``names.places``)
    terms: tuple[str, ...] = ()  # the query's index terms (``kb.lexical.tokenize``)
    focus_terms: tuple[str, ...] = ()
    asks_figure: bool = False  # its wording asks for an amount, a count, a duration or a date
    wanted: AnswerType | None = None  # the type of answer it asks for (``answer_type``)
    unknown_share: float = 0.0
    words: str = ""  # the query without the speakers it names: what its words are judged on
    language: str = "en"  # the store language the question fits best

    @property
    def answer_shape(self) -> str:
        """The shape of the answer when no recording span answers a discussion: a passage."""
        return "passage" if self.shape == "discussion" else self.shape


def focus_of(text: str) -> str:
    """The last question of a text that may hold several (a follow-up after its parent)."""
    parts = [p.strip() for p in _FOCUS.findall(text) if p.strip()]
    return parts[-1] if parts else text.strip()


def shape_of(focus: str) -> str:
    """The answer shape the wording asks for (``SHAPES``)."""
    if _DISCUSSION.search(focus):
        return "discussion"
    if _LIST.search(focus):
        return "list"
    if _STEPS.search(focus) or _HOW_DO.search(focus):  # "How do I run X, and what does it cost?"
        return "procedure"
    if _FACT.search(focus):
        return "fact"
    return "passage"


def analyse(text: str, query: str | None = None,
            records: Mapping[str, Mapping[str, Any]] | None = None, lexical=None) -> Question:
    """The question ``text`` (searched as ``query``: a follow-up with its parent), read against
    the store's document ``records`` and its BM25 ``lexical`` index."""
    from kb.lexical import tokenize

    query = (query or text).strip()
    focus = focus_of(text)
    shape = shape_of(focus)
    records = records or {}
    filters, labels = stated_filters(focus, shape, records)
    named = tuple(named_speakers(query, known_speakers(records)))
    # "Who is Ingrid Haugland?" asks about the person, which others say (her introduction), not
    # for her own words
    speakers = () if _WHO_IS.match(focus) else named
    if speakers:
        sources = sorted({r.get("source") for r in records.values()
                          if set(_people(r)) & set(speakers) and r.get("source")})
        filters = _merge(filters, Filters(sources=sources))
        labels += tuple(f"speaker: {s}" for s in speakers)
    words = _unnamed(query, named)
    unknown, language = vocabulary.read(words, lexical) if lexical is not None else (0.0, "en")
    return Question(
        text=text, query=query, focus=focus, shape=shape, filters=filters,
        filter_labels=labels, speakers=speakers, kinds=named_kinds(focus),
        exact=tuple(exact_terms(query)),
        places=tuple(places(query, shape)), terms=tuple(tokenize(query)),
        focus_terms=tuple(tokenize(focus)), asks_figure=_FIGURE.search(focus) is not None,
        wanted=answer_type(focus), unknown_share=unknown, words=words, language=language)


def stated_filters(focus: str, shape: str, records: Mapping[str, Mapping[str, Any]]
                   ) -> tuple[Filters | None, tuple[str, ...]]:
    """The filters a list question states that the store holds: the kind or category its noun
    names, an organisation named as a coordinator or contributor, and years. Other shapes state
    none: their names and years are checked by abstention instead."""
    if shape != "list":
        return None, ()
    values: dict[str, Any] = {}
    words = _listed_nouns(focus)
    kinds = {str(r.get("kind")) for r in records.values()}
    cats = {str(r.get("category")) for r in records.values()}
    if words and all(_KIND_NOUNS.get(w) in kinds for w in words):
        values["kind"] = _one_or_list(_KIND_NOUNS[w] for w in words)
    elif words and all(_CATEGORY_NOUNS.get(w) in cats & set(CATEGORIES) for w in words):
        values["category"] = _one_or_list(_CATEGORY_NOUNS[w] for w in words)
    org = named_organisation(focus, records)
    if org:
        values["organisation"] = org
    values.update(_years(focus))
    if not values:
        return None, ()
    labels = tuple(f"{k}: {' or '.join(v) if isinstance(v, list) else v}"
                   for k, v in values.items())
    return Filters(**values), labels


def _listed_nouns(focus: str) -> list[str]:
    """The nouns of the things a list question asks for, singular: the first one it names and
    those joined to it ("projects or methods" -> project, method; "events for SMEs" -> event)."""
    first = _NOUN.search(focus)
    if first is None:
        return []
    words, end = [first.group(1)], first.end()
    while m := _AND_NOUN.match(focus, end):
        words.append(m.group(1))
        end = m.end()
    return list(dict.fromkeys(w.lower().rstrip("s") for w in words))


def named_kinds(focus: str) -> tuple[str, ...]:
    """The kinds of document the question names ("Who presented the webinar on vouchers?":
    transcript; "Which projects or methods ...": report, toolbox)."""
    nouns = (m.group(1).lower().rstrip("s") for m in _NOUN.finditer(focus))
    return tuple(dict.fromkeys(_KIND_NOUNS[n] for n in nouns if n in _KIND_NOUNS))


def _one_or_list(values) -> str | list[str]:
    found = list(dict.fromkeys(values))
    return found[0] if len(found) == 1 else found


def _years(focus: str) -> dict[str, int]:
    if m := _SINCE.search(focus):
        return {"year_from": int(m.group(1))}
    if m := _BEFORE.search(focus):
        return {"year_to": int(m.group(1))}
    if m := _IN_YEAR.search(focus):
        return {"year_from": int(m.group(1)), "year_to": int(m.group(1))}
    return {}


def named_organisation(focus: str, records: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The longest name the question states (``names.exact_terms``) that opens, or is, an
    organisation of a record (its coordinator or contributor): "Mobile Heights" names "Mobile
    Heights AB"."""
    orgs = [str(rec.get(key) or "").lower() for rec in records.values() for key in _ORG_FIELDS]
    found = [term for term in exact_terms(focus)
             if not term.isdigit() and any(re.match(rf"{re.escape(term.lower())}\b", o)
                                           for o in orgs)]
    return max(found, key=len) if found else None


def _people(rec: Mapping[str, Any]) -> list[str]:
    out = [rec.get("speaker"), rec.get("presenter"), rec.get("host")]
    speakers = rec.get("speakers") or []
    out += speakers if isinstance(speakers, list) else [speakers]
    return [str(p).strip() for p in out if p and str(p).strip()]


def _unnamed(text: str, speakers: tuple[str, ...]) -> str:
    """The text without the names of the speakers it names, and then without its verbs of
    speech and their auxiliary ("What did Ingrid Haugland say about costs?" is judged on "What
    about costs?"): a speaker's name is known to the store (its transcripts' records) even where
    no passage writes it out, and "say" is how the question asks for a speaker's words, not
    what they are about."""
    for name in speakers:
        for part in (name, *name.split()):
            for written in dict.fromkeys((part, fold(part))):  # "Kjaergaard" for "Kjærgaard"
                text = re.sub(rf"(?<!\w){re.escape(written)}(?:'s)?(?!\w)", " ", text)
    return _SPEECH.sub(" ", text) if speakers else text


def _merge(a: Filters | None, b: Filters) -> Filters:
    if a is None:
        return b
    return Filters(**{**{k: v for k, v in vars(a).items() if v not in (None, "", [])},
                      **{k: v for k, v in vars(b).items() if v not in (None, "", [])}})
