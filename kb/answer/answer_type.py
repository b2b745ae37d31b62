"""What kind of answer a question asks for, and whether a sentence holds one.

A question's *focus* is its last question (a follow-up is answered after the question it leans on,
"How big is the budget? And how fast do applicants get a decision?"). Its wording names the answer
types it expects: ``how much`` with money words asks for an amount of money, ``how much`` of other
stuff for a quantity with its unit ("how much electricity" - "5.8 GWh"), ``how many`` for a
count, ``how long``/``how soon``/``when`` for a duration or a date, ``how often`` for a frequency,
``who`` or ``which projects`` (``which funded projects``) for a name or a role; a participle in a
name question ("who paid", "which funded projects") describes the named thing and does not ask for
money. ``how many X`` also names the counted thing: a sentence that puts a number right before X
("8 free advisory hours") answers it, whatever its other words.

Everything here is a regular expression over the text: cheap enough to run on every candidate
sentence before any of them is embedded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.lexical import tokenize

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    "sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand|million|dozen|half|a third|a quarter"
)
_NUM = rf"(?:\d[\d,.\u00a0 ]*\d|\d|\b(?:{_NUMBER_WORDS})(?:-(?:{_NUMBER_WORDS}))?\b)"
_UNIT_TIME = r"(?:minutes?|hours?|days?|weeks?|months?|years?|quarters?|semesters?|sessions?)"
_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|"
           "december")

PATTERNS: dict[str, re.Pattern[str]] = {
    "number": re.compile(_NUM, re.I),
    # a figure: a number that is not just "one" or "half" (too common to say anything)
    "figure": re.compile(
        rf"\d|\b(?!one\b|half\b|a third\b|a quarter\b)(?:{_NUMBER_WORDS})\b", re.I),
    "money": re.compile(
        r"(?:\b(?:EUR|SEK|NOK|DKK|USD|GBP|PLN|ISK|kr)\b|[€$£]|\beuros?\b|\bkron(?:er|or|a)\b|"
        r"\bdollars?\b|\bpounds?\b)", re.I),
    "duration": re.compile(
        rf"{_NUM}(?:\s*(?:-|to|and)\s*{_NUM})?[\s-]*(?:working |calendar |full |staff )?"
        rf"{_UNIT_TIME}\b|\bFTE\b|\bfull[- ]time\b|\bpart[- ]time\b", re.I),
    # an amount of some stuff: a number with a unit of measure ("412 tonnes", "5.8 GWh")
    "quantity": re.compile(
        rf"{_NUM}\s*-?\s*(?:[kMGT]Wh?|[kMGT]Wp|tonnes?|tons?|kilo(?:gram|metre|meter)s?|kg|"
        r"litres?|liters?|m[23²³]|(?:cubic|square) met(?:re|er)s?|hectares?|ha|km|"
        r"met(?:re|er)s?)\b", re.I),
    "date": re.compile(rf"\b(?:{_MONTHS})\b|\b(?:19|20)\d\d\b|\bQ[1-4]\b", re.I),
    "frequency": re.compile(
        rf"\b(?:once|twice|{_NUM}\s+times)\b|\b(?:every|each|per|a)\s+(?:\w+\s+)?"
        r"(?:day|week|month|quarter|year|session|meeting)s?\b|"
        r"\b(?:daily|weekly|monthly|quarterly|annually|yearly|biannual(?:ly)?)\b", re.I),
    "percent": re.compile(rf"{_NUM}\s*(?:%|percent\b|per cent\b)|\b(?:half|third|quarter)\b",
                          re.I),
    "name": re.compile(
        r"(?<![.!?]\s)(?<!^)\b[A-ZÅÄÖ][\w&.-]*(?:\s+(?:of |for |and |de )?[A-ZÅÄÖ0-9][\w&.-]*)+"
        r"|\b(?:coordinator|lead partner|chair|director|manager|owner|facilitator|organiser|"
        r"organizer|host|secretariat|board|committee|panel|team)\b"),
}

_MONEY_WORDS = re.compile(
    r"\b(?:cost|costs|price|fee|fees|pay|paid|pays|budget|fund\w*|money|grant|spend|spent|"
    r"invest\w*|charge\w*|afford|euros?|kron\w*|financ\w*|subsid\w*|worth|salar(?:y|ies)|"
    r"wages?|earn\w*|income)\b", re.I)
# "which funded projects", "who paid for the hall": a participle says what the named thing did
# or had done to it; in a question asking for a name it does not ask for an amount
_PARTICIPLE = re.compile(r"\w+ed$|paid$|spent$", re.I)
_RULES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"\bhow (?:many|much)\s+(?:\w+\s+)?(?:hours?|days?|weeks?|months?|years?|time)\b",
                re.I), ("duration",)),
    (re.compile(r"\bhow many\b|\bnumber of\b|\bamounts?\b", re.I), ("number",)),
    (re.compile(r"\bhow (?:much|large|big|high|low|small)\b", re.I), ("number",)),
    (re.compile(r"\bhow (?:long|soon|fast|quickly|early|late)\b|\bduration\b|\bworkload\b|"
                r"\beffort\b|\bdeadline\b|\bwithin\b|\bstaff time\b", re.I), ("duration",)),
    (re.compile(r"\bwhen\b|\bwhat (?:year|date|month)\b|\bwhich (?:year|month)\b|\bperiod\b",
                re.I), ("date", "duration")),
    (re.compile(r"\bhow often\b|\bfrequen\w*\b|\bhow regularly\b", re.I), ("frequency",)),
    (re.compile(r"\bpercent\w*\b|\bshare\b|\bproportion\b|\bby how much\b|"
                r"(?<!hourly )(?<!daily )\brate\b", re.I),
     ("percent",)),
    # "which projects"; opening the question also "which funded projects", "which of the two
    # EU-funded projects" (not "how can I find out which member companies ...": a method)
    (re.compile(r"\bwho\b|\bwhom\b|\bwhose\b|\bcoordinat\w*\b|\bwhich (?:organi[sz]ations?|"
                r"compan(?:y|ies)|partners?|clusters?|projects?|firms?)\b|"
                r"^\W*(?:and |so |but )?which (?:of (?:the|these|those)\s+)?(?:[\w-]+\s+){0,2}?"
                r"(?:organi[sz]ations?|compan(?:y|ies)|partners?|clusters?|projects?|firms?)\b",
                re.I), ("name",)),
)
_HEAD = re.compile(r"\bhow (?:many|much)\s+(?:more\s+|of (?:the|them|those)\s+)?(\w+)", re.I)
# up to three words right after a number, not past a preposition or a punctuation mark
# ("8 free advisory hours", not "3 months for the companies")
_WORDS = re.compile(r"(?:[\s*-]+(?!(?:of|for|to|in|at|by|per|from|with|and|or)\b)[\w'’-]+){1,3}",
                    re.I)
_HOW_MUCH = re.compile(r"\bhow much\b", re.I)
_FOCUS = re.compile(r"[^?]+\?|[^?]+$")


@dataclass(frozen=True)
class AnswerType:
    """The answer types a question expects and the thing it counts ("how many *companies*")."""

    kinds: frozenset[str] = field(default_factory=frozenset)
    head: str | None = None  # stemmed

    def match(self, sentence: str) -> float:
        """1 when the sentence holds an answer of an expected type (a number right before the
        counted thing is one), 0 otherwise."""
        if not self.kinds:
            return 0.0
        return float((self.head is not None and self._counts_head(sentence))
                     or any(PATTERNS[k].search(sentence) for k in self.kinds))

    def _counts_head(self, sentence: str) -> bool:
        for m in PATTERNS["number"].finditer(sentence):
            words = _WORDS.match(sentence, m.end())
            if words and self.head in tokenize(words.group(0)):
                return True
        return False


def focus(question: str) -> str:
    """The last question of a text that may hold several (a follow-up after its parent)."""
    parts = [p.strip() for p in _FOCUS.findall(question) if p.strip()]
    return parts[-1] if parts else question


def answer_type(question: str) -> AnswerType:
    q = focus(question)
    kinds: set[str] = set()
    for pattern, names in _RULES:
        if pattern.search(q):
            kinds.update(names)
    money = [w for w in _MONEY_WORDS.findall(q)
             if "name" not in kinds or not _PARTICIPLE.search(w)]
    if money:
        kinds.add("money")
    if "duration" in kinds or "money" in kinds or "percent" in kinds:
        kinds.discard("number")  # a bare number is a weaker signal than the typed one
    if kinds == {"number"} and _HOW_MUCH.search(q):
        kinds = {"quantity"}  # "how much electricity": an amount with its unit, not any number
    head = _HEAD.search(q)
    stem = tokenize(head.group(1)) if head else []
    return AnswerType(frozenset(kinds), stem[0] if stem else None)
