"""The deadline grammar: the words of one duty -> the deadline rule the desk would enter for it.

    "within ten (10) days after the filing with the SEC"        each_event, 10 calendar days
    "within five (5) business days of the end of each month"    recurring monthly, 5 business days
    "at least twenty (20) business days prior to the closing"  counted back, rolled to the day before
    "on or before five (5) business days from the date hereof"  after the agreement date
    "the later of (i) 270 days from the Closing Date and (ii)"  later_of with its limbs
    "within five (5) Business Days, after becoming aware of any Event of Default"  per event known to the obligor
    "not later than the 15th day of each month", "on or before March 31 of each year"  recurring
    "..., and within ninety (90) days after ..., its annual statements"  a second duty (`timed_parts`)

Pure functions with no Django import. Every function reads text whose runs of white space are
single spaces (`squeeze`). A rule is a RuleData dict (dealdesk/deal_documents/documents.py) that
leaves every field at its default out; each reading also returns the words that decided it.
"""
from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from decimal import Decimal

from dealdesk.intake import numbers

_WORD = "|".join(sorted(numbers.CARDINALS, key=len, reverse=True)) + "|hundred|and"
# "five (5)", "forty five (45)", "two hundred seventy (270)", "45", "thirty"
QUANTITY = (
    rf"(?:(?:(?:{_WORD})[\s-]+)*(?:{_WORD})\s*\(\d+\)|\(\d+\)|\d+|(?:(?:{_WORD})[\s-]+)*(?:{_WORD}))"
)
UNIT = r"(?:(?:business|trading|calendar|banking)\s+days?|days?|months?|years?)"
DURATION = rf"(?P<qty>{QUANTITY})\s*(?:\(\d+\)\s*)?(?:-\s*)?(?P<unit>{UNIT})"
_DURATION_RE = re.compile(rf"\b{DURATION}\b", re.I)

ROLL_BACK = "preceding"  # a date counted back that falls on a holiday moves earlier, never later


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quantity_value(words: str) -> int | None:
    """'forty five (45)' -> 45; the figures win where both are written."""
    figures = re.search(r"\d+", words)
    if figures:
        return int(figures.group())
    return numbers.words_number(words) or None


def unit_fields(unit_words: str) -> dict:
    """'business days' -> unit; 'trading days' are NYSE business days; plain 'days' are calendar days."""
    unit = unit_words.lower()
    if unit.startswith("trading"):
        return {"unit": "business_days", "holiday_calendar": "nyse"}
    if unit.startswith(("business", "banking")):
        return {"unit": "business_days"}
    if unit.startswith("month"):
        return {"unit": "months"}
    if unit.startswith("year"):
        return {"unit": "years"}
    return {}


@dataclass(frozen=True)
class Duration:
    offset: int
    fields: dict  # unit (and calendar) fields, defaults left out
    words: str

    def rule_fields(self) -> dict:
        return ({"offset": self.offset} if self.offset else {}) | self.fields


def duration_read(words: str) -> Duration | None:
    match = _DURATION_RE.search(words)
    if not match:
        return None
    offset = quantity_value(match.group("qty"))
    if offset is None:
        return None
    return Duration(offset=offset, fields=unit_fields(match.group("unit")), words=match.group())


# --------------------------------------------------------------------------
# Anchors: what the days count from
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Anchor:
    anchor: str  # agreement_date / closing_date / event, or "" for a series of events
    name: str  # the event or kind of event, as the desk would name it
    per_event: bool = False
    named: bool = False  # the name is read from more than the anchor's own words ("... known to the Company")

    def kind_name(self, words: str) -> str:
        return self.name if self.named else event_name(words)


_AGREEMENT_DATE = re.compile(
    r"^(?:the )?(?:date hereof|date of this agreement|execution (?:and delivery )?of this agreement|"
    r"receipt and execution of this agreement|date first (?:above |written )?(?:written|above)|"
    r"signing of this agreement|effective date of this agreement)",
    re.I,
)
# "the Closing", "the Closing Date", "the applicable Closing": the defined term, capitalised; "the closing of such
# Future Offering" is another transaction's closing.
_CLOSING = re.compile(r"^(?:[Tt]he |[Ee]ach |[Aa]ny |[Ss]uch |[Aa]n? )?(?:applicable )?(?:Closing Date|Date of Closing|Closing)\b(?! of)")
_DEFINED_DATE = re.compile(r"^(?:the )?((?:[A-Z][\w'-]*\s){1,4}Date)\b")
_EFFECTIVENESS = re.compile(r"\b(?:effectiveness of|declared effective|declaration of effectiveness)\b", re.I)
# Happenings that recur: each one starts its own days ("after receipt of ... notice", "after release").
_SERIES = re.compile(
    r"^(?:the |any |each |every |such |a |an |its |their |(?:[A-Z][\w&]*\s){1,3}?[A-Z][\w&]*'s )?(?:written )?(?:date on which|time (?:that|of)|receipt|delivery|release|"
    r"submission|filing|issuance|publication|making available|giving|written notice|notice|invoice|demand|"
    r"request|occurrence|commencement|end|close)\b|^(?:any|each|every|all)\b",
    re.I,
)
_SUCH = re.compile(r"^such ([a-z][\w -]*)", re.I)
# "the Borrower files any report with the SEC": each act of the kind starts its own days
_PARTY_ACTS = re.compile(
    r"^(?:the |any |each )?(?:[A-Z][\w&-]*\s){1,3}(?:files|delivers|receives|sends|issues|makes|gives|publishes|"
    r"enters into|obtains|incurs|acquires|sells|declares|pays)\s+(?:any|each|an?)\b"
)
# "becoming aware of any Event of Default", "any Responsible Officer of the Borrower obtains knowledge thereof":
# each matter the obligor learns of starts its own days.
_AWARE = re.compile(
    r"^(?P<who>[^,;]{0,80}?)\b(?:becom(?:ing|es?) aware|(?:obtain|acquir|ha(?:v|s))\w* (?:actual )?knowledge|"
    r"learn(?:ing|s)?|discover(?:ing|s|y)|(?:is|are|being) (?:notified|informed))\b(?: (?:of|that))?\s*(?P<thing>.*)",
    re.I,
)
_DUTY_SUBJECT = re.compile(r"\b(?:[Tt]he|[Ee]ach) ((?:[A-Z][\w-]*\s){0,2}[A-Z][\w-]*)\s+(?:shall|will|must|agrees|covenants)\b")
_THING_NOTED = re.compile(r"\b(?:notice|notify|notification|advise)\w*\b[^,;]*?\bof (?P<thing>(?:any|each|the|such) [^,;.]{3,80})", re.I)


def anchor_read(phrase: str, *, before: str = "", duty: str = "", closings_recur: bool = False) -> Anchor:
    """What a deadline counts from, read from the words after 'after', 'of', 'from', 'prior to'.

    `before` is the text of the duty ahead of the phrase: "such filing" looks back to what was filed;
    `duty` is all of its words: "obtains knowledge thereof, ... notice of any Default" names what is learnt of.
    """
    phrase = phrase.strip(" ,;.")
    if _AGREEMENT_DATE.match(phrase):
        return Anchor("agreement_date", "Agreement date")
    if _CLOSING.match(phrase):
        if closings_recur:
            return Anchor("", "Closing", per_event=True)
        return Anchor("closing_date", "Closing Date")
    defined = _DEFINED_DATE.match(phrase)
    if defined:
        return Anchor("event", defined.group(1))
    if _EFFECTIVENESS.search(phrase) and re.search(r"registration statement", phrase, re.I):
        return Anchor("event", "Registration statement declared effective")
    aware = _AWARE.match(phrase)
    if aware:
        return Anchor("", _known_name(aware, duty or before), per_event=True, named=True)
    such = _SUCH.match(phrase)
    if such:
        return Anchor("event", _such_event(such.group(1), before))
    if _SERIES.match(phrase) or _PARTY_ACTS.match(phrase):
        return Anchor("", event_name(phrase), per_event=True)
    return Anchor("event", event_name(phrase))


def _known_name(aware: re.Match, duty: str) -> str:
    """ "Event of Default known to the Company": what is learnt of, and by whom, from the duty's words."""
    thing = aware.group("thing")
    if not thing or re.match(r"(?:thereof|of it|the same|such|it\b|this|that)", thing, re.I):
        noted = _THING_NOTED.search(duty)
        thing = noted.group("thing") if noted else "Matter"
    thing = re.split(r"\b(?:which|that|by (?:the|any|such)|under|(?:has|have) (?:occurred|happened)|promptly|after|upon|"
                     r"within|following)\b", thing)[0]
    who = re.findall(r"\b([A-Z][\w-]*(?: [A-Z][\w-]*){0,2})\b", aware.group("who"))
    if not who:
        subject = _DUTY_SUBJECT.search(duty)
        who = [subject.group(1)] if subject else []
    knower = f" known to the {who[-1]}" if who and who[-1].lower() not in ("any", "each", "the") else " known"
    name = event_name(thing, limit=8)
    while len(name + knower) > NAME_LIMIT and " " in name:
        name = name.rsplit(" ", 1)[0]
    return name + knower


def _such_event(noun: str, before: str) -> str:
    """'such filing' after 'to file a Form D' -> 'Form D filed'."""
    noun = noun.split()[0].lower()
    if noun.startswith("fil"):
        filed = re.search(r"\bfile (?:an? |the )?((?:[A-Z0-9][\w-]*\s?){1,4})", before)
        if filed:
            return f"{filed.group(1).strip()} filed"
    return event_name(f"{noun} made")


NAME_LIMIT = 60  # leaves room for a party's name after it: "... (Oftring & Company, Inc.)"


def event_name(words: str, limit: int = 12) -> str:
    """A short name for an event or kind of event, from the agreement's own words."""
    words = re.sub(r"\([^)]*\)", "", words)
    words = re.split(r"[,;:]| which | that | provided| under (?:clause|section|paragraph|subsection)s?\b| pursuant to ",
                     words, flags=re.I)[0]
    words = re.sub(r"^(?:the|any|each|every|such|a|an|all)\s+", "", words.strip(), flags=re.I)
    words = re.sub(r"^(?:the )?date on which\s+", "", words, flags=re.I)
    kept = words.split()[:limit]
    name = " ".join(kept).strip(" .")
    while len(name) > NAME_LIMIT and " " in name:
        name = name.rsplit(" ", 1)[0]  # the desk keeps names of events and kinds of event to 100 characters
    return name[:1].upper() + name[1:] if name else "Event"


# --------------------------------------------------------------------------
# One sentence, several duties
# --------------------------------------------------------------------------

# A time term that opens a duty of its own: "within ninety (90) days after ...", "no later than ...".
OWN_TIME = re.compile(
    r"\b(?:within|no later than|not later than|on or before|on or prior to|by no later than|at least|not less than|"
    r"no less than|on each anniversary|concurrently with|contemporaneously with|simultaneously with)\b",
    re.I,
)
# "as soon as available, but in any event within ...": the words ahead of a time term that belong to it
_TIME_LEAD = re.compile(r"(?:\b(?:as soon as (?:available|practicable|possible)|promptly)\s*,?\s*(?:(?:but|and)\s+)?"
                        r"(?:in any event\s+)?)$", re.I)


def time_start(words: str, start: int = 0) -> int | None:
    """Where the first time term at or after `start` begins, with the words that lead into it; None without one."""
    time = OWN_TIME.search(words, start)
    if time is None:
        return None
    lead = _TIME_LEAD.search(words[start:time.start()])
    return start + lead.start() if lead and lead.group() else time.start()


# ", and within ...", "; and (b) within ...", "and (shall) cause ...": not "and in any event within"; the limbs of
# "the later of (i) ... and (ii) ..." are one date.
_JOIN = re.compile(r"(?:,|;)?\s+and\s+(?!,?\s*(?:in any event|in no event|but)\b)", re.I)
_ITEM_MARK = re.compile(r"^\((?:[a-z]|[ivx]+|\d{1,2})\)\s*|\s*\((?:[a-z]|[ivx]+|\d{1,2})\)$")
_CHOICE = re.compile(r"\b(?:later|earlier|later|sooner|earliest|latest) of\b|\bthe (?:later|earlier)\b", re.I)


def timed_parts(words: str, *, closings_recur: bool = False) -> list[tuple[int, int]]:
    """Where one sentence sets several duties each with its own time, the [start, end) of each in `words`.

    "within 45 days after each quarter, its quarterly statements, and within 90 days after each fiscal
    year, its annual statements" is two duties; "promptly after ..., and in any event within three
    Business Days" and "the later of (i) ... and (ii) ..." are one. One part: the whole sentence.
    """
    joins = list(_JOIN.finditer(words))
    parts, start = [], 0
    for n, join in enumerate(joins):
        stop = joins[n + 1].start() if n + 1 < len(joins) else len(words)
        left, right = words[start:join.start()], _ITEM_MARK.sub("", words[join.end():stop])
        if _CHOICE.search(left) or not (OWN_TIME.search(left) and OWN_TIME.search(right)):
            continue
        if not (rule_read(left, closings_recur=closings_recur) and rule_read(right, closings_recur=closings_recur)):
            continue
        parts.append((start, join.start()))
        start = join.end()
    parts.append((start, len(words)))
    return parts


# --------------------------------------------------------------------------
# What starts and ends a repeating duty
# --------------------------------------------------------------------------

_REQUEST = re.compile(
    r"\bupon (?:the )?((?:written )?request|(?:[A-Z][\w&]*\s){1,4}?[A-Z][\w&]*'s (?:written )?request)", re.I
)
_UNTIL = re.compile(r"\buntil (?!such (?:breach|failure|default)|the (?:list|payment|breach))([^,;.]{8,120})", re.I)
_UNTIL_PASSIVE = re.compile(r"\b(?:is|are) (?:cured|delivered|paid|made|remedied|received)\b", re.I)
_DURING = re.compile(
    r"\bduring (?:the )?(registration period[^,;]*|term of [^,;]+|period [^;]*?\bending ([^,;(]+))", re.I
)
_NOTES_OUTSTANDING = re.compile(
    r"\bso long as (?:any (?:of the )?|the )?(?:Notes?|Loans?|Obligations|Debentures?)\b[^,;]{0,40}?"
    r"\b(?:remains?|is|are) (?:outstanding|unpaid)",
    re.I,
)


_SO_LONG = re.compile(r"\bso long as ([^,;]{5,80})", re.I)


def modifiers_read(words: str) -> dict:
    """starts_with / ends_with / ends_when_notes_repaid, from "upon request", "until ...", "during the ..."."""
    found: dict = {}
    request = _REQUEST.search(words)
    if request:
        found["starts_with"] = event_name(request.group(1))
    until = _UNTIL.search(words)
    if until and not _UNTIL_PASSIVE.search(until.group(1)):
        found["ends_with"] = event_name("until " + until.group(1), limit=12)
    during = _DURING.search(words)
    if during and "ends_with" not in found:
        ending = during.group(2)
        found["ends_with"] = event_name(("Period ends " + ending) if ending else ("End of the " + during.group(1)), limit=12)
    if _NOTES_OUTSTANDING.search(words):
        found["ends_when_notes_repaid"] = True
    else:
        so_long = _SO_LONG.search(words)
        if so_long and "ends_with" not in found:
            found["ends_with"] = "No longer " + event_name(so_long.group(1), limit=12)
    return found


# --------------------------------------------------------------------------
# The rule
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleReading:
    rules: tuple[dict, ...]
    quote: str  # the words that decided it
    reading: str = ""  # what the desk took, where the words leave a choice
    modifiers_apply: bool = True


_FREQUENCY = (
    (re.compile(r"\beach (?:such )?(?:fiscal |calendar )?(?:quarter|quarterly period)|\b(?:fiscal |calendar )?quarter[- ]end\b|\beach of the first \w+ (?:fiscal )?quarters|\bfirst \w+ (?:fiscal )?quarters|\bevery (?:fiscal )?quarter", re.I), "quarterly"),
    (re.compile(r"\b(?:each|every) (?:calendar )?month\b", re.I), "monthly"),
    (re.compile(r"\beach (?:such )?(?:fiscal )?year\b|\bfiscal year[- ]end\b|\bevery (?:fiscal )?year\b|\bannually\b|\beach annual\b", re.I), "fiscal_yearly"),
    (re.compile(r"\b(?:each|every) anniversary\b", re.I), "anniversary"),
)
_ONLY_QUARTERS = re.compile(r"\bfirst (two|three|2|3) (?:fiscal )?quarters\b|\bother than the (fourth|last) (?:fiscal )?quarter", re.I)

_OFFSET_AFTER = re.compile(
    rf"\b(?:within|no later than|not later than|on or before|on or prior to|in no event (?:more|later) than|"
    rf"not more than|by no later than)\s+{DURATION}\s*(?:,\s*(?=(?:after|following|from|upon|subsequent to)\b))?"
    rf"(?P<prep>after|of|following|from|immediately following|upon|subsequent to|succeeding)?\s*(?P<anchor>[^;]*)",
    re.I,
)
_OFFSET_BEFORE = re.compile(
    rf"\b(?:at least|not less than|no less than|no fewer than|not fewer than|a minimum of|"
    rf"(?:no|not) later than(?:\s+\d{{1,2}}(?::\d\d)?\s*[ap]\.?m\.?(?:\s*\([^)]*\))?(?:\s+New York City time)?,?)?)\s+{DURATION}\s*"
    rf"(?:prior to|before|in advance of)\s+(?P<anchor>[^;]*)",
    re.I,
)
# "at least thirty (30) days' prior written notice of any change in its name"
_PRIOR_NOTICE = re.compile(
    rf"\b(?:at least|not less than|no less than|no fewer than|not fewer than|a minimum of)\s+{DURATION}'?\s*"
    rf"(?:prior|advance)\s+(?:written\s+)?notice\s+(?:(?:to [^,;]{{1,40}}?\s+)?(?:of|before|prior to)\s+)(?P<anchor>[^;]*)",
    re.I,
)
_LATER_OF = re.compile(
    r"\b(?:the )?(?P<which>later|earlier) of (?:\(?i\)|\(a\))?\s*(?P<a>.+?)\s*,?\s+(?:and|or) (?:\(?ii\)|\(b\))\s*(?P<b>[^;]+)",
    re.I,
)
_NO_EVENT_LESS = re.compile(
    rf"\bso long as (?P<outstanding>[^,;]*?outstanding)\s*,?\s*but in no event (?P<which>less|more|fewer|later|longer) than\s+{DURATION}\s*"
    rf"(?:after|from|following)\s+(?P<anchor>[^,;]+)",
    re.I,
)
_ZERO_AT = re.compile(
    r"\b(?i:on or before|on or prior to|at or prior to|at or before|prior to|no later than|not later than|"
    r"concurrently with|contemporaneously with|simultaneously with|at the same time as|at the time of|"
    r"upon|at|on|as of|by)\s+(?P<anchor>(?:the )?(?:applicable )?(?:Closing Date|Closing|date hereof|"
    r"date of this Agreement|(?:[A-Z][\w'-]*\s){1,3}Date))\b",
)
_SAME_TIME = re.compile(
    r"\b(?:contemporaneously with|concurrently with|simultaneously with|at the same time (?:as|that)|at the time (?:that|of))\s+(?P<anchor>[^;]+)",
    re.I,
)
_PROMPTLY_AFTER = re.compile(
    r"\b(?:promptly|immediately|forthwith|as soon as (?:reasonably )?practicable) (?:after|following|upon)\s+(?P<anchor>[^;,]+)",
    re.I,
)
_AS_SOON_AS_AWARE = re.compile(
    r"\bas soon as (?:the )?[\w ]{0,30}?(?:is (?:either )?informed|becomes aware|learns|has knowledge|obtains knowledge)",
    re.I,
)
_PRACTICABLE = re.compile(r"\bas soon as (?:reasonably )?practicable\b", re.I)
_RECEIVES = re.compile(r"\b(?:promptly|immediately)\b.*?\b(?:any|all) ([\w ,-]{3,60}?) (?:it|they|the \w+) (?:receives|received|obtains)\b", re.I)
_UPON_START = re.compile(r"^(?:promptly )?upon (?P<anchor>[^,]+?)(?:,| the [A-Z]| it )", re.I)
_AFTER_RECEIPT = re.compile(r"\b(?:after|upon|following) (?P<anchor>(?:the )?(?:receipt|delivery|notice)[^,;]*)", re.I)
_BREACH_IF = re.compile(
    r"^(?:if|in the event (?:that )?)(?:at any time )?(?P<cond>[^,]*?\b(?:breach\w*|defaults?|fails?|does not|is below|exceeds)\b[^,]*)",
    re.I,
)


_FIXED_DATE = re.compile(
    r"\b(?:no later than|not later than|in no event later than|on or before|on or prior to|prior to|before|by|on)\s+"
    rf"(?P<month>{numbers.MONTH_NAME})\s+"
    r"(?P<day>\d{1,2}),\s*(?P<year>\d{4})",
)
# "on or prior to the 30th day following the Closing Date", "by 9:30 a.m. on the Trading Day immediately following
# the date hereof" (the next such day: one)
_ORDINAL_DAY = re.compile(
    r"\b(?:on or (?:before|prior to)|no later than|not later than|by|on)\s+"
    r"(?:\d{1,2}(?::\d\d)?\s*[ap]\.?m\.?(?:\s*\([^)]*\))?(?:\s+New York City time)?,?\s+on\s+)?"
    r"the\s+(?:(?P<qty>\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|tenth|next)\s+)?"
    r"(?P<unit>(?:business |trading |calendar )?day)\s+(?:immediately\s+)?(?:following|after)\s+(?P<anchor>[^,;]+)",
    re.I,
)
_ORDINALS = {"first": 1, "next": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "tenth": 10}
_QUARTERLY_IN_ARREARS = re.compile(
    r"\bquarterly in arrears\b|\beach March, June, September and December\b|\b(?P<monthly>monthly) in arrears\b", re.I
)


def _fixed_date(words, *, restriction, closings_recur):
    match = _FIXED_DATE.search(words)
    if not match:
        return None
    month = numbers.MONTHS.index(match.group("month").lower()) + 1
    day = f"{match.group('year')}-{month:02d}-{int(match.group('day')):02d}"
    return RuleReading(({"kind": "fixed_date", "fixed_date": day},), _clip(match.group()))


def _ordinal_day(words, *, restriction, closings_recur):
    match = _ORDINAL_DAY.search(words)
    if not match:
        return None
    nth = (match.group("qty") or "next").lower()
    fields = {"offset": _ORDINALS.get(nth) or int(re.match(r"\d+", nth).group())} | unit_fields(match.group("unit"))
    anchor = anchor_read(match.group("anchor"), closings_recur=closings_recur)
    return RuleReading((_dated(anchor, fields, match.group("anchor")),), _clip(match.group()))


_DAY_OF_EACH_MONTH = re.compile(
    r"\b(?:on or before|on or prior to|no later than|not later than|by|on)\s+the\s+(?:(?:[a-z-]+\s+)?\(?(?P<day>\d{1,2})"
    r"(?:st|nd|rd|th)\)?|(?P<nth>first|second|third|fourth|fifth|tenth))\s+(?P<unit>(?:calendar\s+|business\s+|trading\s+)?day)\s+(?:of|after the end of)\s+each\s+(?:calendar\s+)?month\b",
    re.I,
)
_DATE_EACH_YEAR = re.compile(
    r"\b(?:on or before|on or prior to|no later than|not later than|by|on)\s+"
    rf"(?P<month>{numbers.MONTH_NAME})\s+"
    r"(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?:of|in)\s+each\s+(?:calendar\s+|fiscal\s+)?year\b",
)
# A date of each year is counted in days from December 31 as in a year that is not a leap year.
_PLAIN_YEAR = 2001


def _day_of_each_month(words, *, restriction, closings_recur):
    """ "not later than the 15th day of each month": 15 days after each month end."""
    match = _DAY_OF_EACH_MONTH.search(words)
    if not match:
        return None
    day = int(match.group("day")) if match.group("day") else _ORDINALS[match.group("nth").lower()]
    rule = {"kind": "recurring", "offset": day} | unit_fields(match.group("unit"))
    rule = _ordered(rule | {"frequency": "monthly"})
    return RuleReading((rule,), _clip(match.group()), reading="the day of each month, counted from the month before's end")


_MONTH = numbers.MONTH_NAME
# "on March 31, June 30, September 30 and December 31 of each year": the last day of each quarter
_QUARTER_DAYS = re.compile(rf"\b{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?,? (?:and )?){{2}}"
                           rf"(?:and )?{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?\b(?!,? \d{{4}})")


def _date_each_year(words, *, restriction, closings_recur):
    """ "on or before March 31 of each year": three months after a December 31 year end."""
    quarters = _QUARTER_DAYS.search(words)
    if quarters:
        return RuleReading(({"kind": "recurring", "frequency": "quarterly"},), _clip(quarters.group()),
                           reading="four days a year: each fiscal quarter's end")
    match = _DATE_EACH_YEAR.search(words)
    if not match:
        return None
    month, day = numbers.MONTHS.index(match.group("month").lower()) + 1, int(match.group("day"))
    if day >= calendar.monthrange(_PLAIN_YEAR, month)[1]:
        fields = {"offset": month, "unit": "months"} if month != 12 else {}
    else:
        fields = {"offset": datetime.date(_PLAIN_YEAR, month, day).timetuple().tm_yday}
    rule = {"kind": "recurring"} | fields | {"frequency": "fiscal_yearly"}
    return RuleReading((rule,), _clip(match.group()),
                       reading="a day of each year: counted from a December 31 fiscal year end")


def _in_arrears(words, *, restriction, closings_recur):
    match = _QUARTERLY_IN_ARREARS.search(words)
    if not match:
        return None
    frequency = "monthly" if match.group("monthly") else "quarterly"
    return RuleReading(({"kind": "recurring", "frequency": frequency},), _clip(match.group()))


def rule_read(words: str, *, restriction: bool = False, closings_recur: bool = False) -> RuleReading | None:
    """The rule the words set, or None when they set no date (a standing covenant)."""
    for reader in (_later_of, _fixed_date, _day_of_each_month, _date_each_year, _recurring, _in_arrears, _counted_back, _ordinal_day, _counted_after, _same_time, _promptly_after,
                   _as_soon_as_aware, _on_anchor, _upon_start, _receives, _breach_if, _practicable, _copies_of_all):
        reading = reader(words, restriction=restriction, closings_recur=closings_recur)
        if reading is not None:
            return reading
    return None


def _limb(words: str, *, restriction: bool, closings_recur: bool) -> dict | None:
    duration = duration_read(words)
    if duration is None:
        return None
    anchor_words = words[words.lower().find(duration.words.lower()) + len(duration.words):]
    anchor_words = re.sub(r"^\s*(?:after|from|following|of|succeeding)\s+", "", anchor_words, flags=re.I)
    anchor = anchor_read(anchor_words, closings_recur=closings_recur)
    limb = {"kind": "period" if restriction else "after_anchor"} | duration.rule_fields()
    limb |= _anchor_fields(anchor)
    if restriction:
        limb["roll"] = "none"
    return limb


def _anchor_fields(anchor: Anchor) -> dict:
    if anchor.anchor == "event":
        return {"anchor": "event", "event": anchor.name}
    if anchor.anchor:
        return {"anchor": anchor.anchor}
    return {"anchor": "event", "event": anchor.name}


def _later_of(words, *, restriction, closings_recur):
    match = _LATER_OF.search(words)
    if match:
        limbs = [_limb(match.group(part), restriction=restriction, closings_recur=closings_recur) for part in "ab"]
        if all(limbs):
            rule = {"kind": f"{match.group('which').lower()}_of", "limbs": limbs}
            if restriction:
                rule["roll"] = "none"
            return RuleReading((rule,), match.group().rstrip(" ,."), modifiers_apply=False)
    match = _NO_EVENT_LESS.search(words)
    if match:
        duration = duration_read(match.group())
        anchor = anchor_read(match.group("anchor"), closings_recur=closings_recur)
        first = {"kind": "period" if restriction else "after_anchor"} | duration.rule_fields() | _anchor_fields(anchor)
        last = {"kind": "after_anchor", "anchor": "event",
                "event": "No " + event_name(re.sub(r"\b(?:any|all) (?:of )?(?:the )?|\b(?:remains?|is|are) outstanding", "",
                                                   match.group("outstanding"))) + " outstanding"}
        if restriction:
            first["roll"] = last["roll"] = "none"
        which = "later_of" if match.group("which").lower() in ("less", "fewer", "longer") else "earlier_of"
        rule = {"kind": which, "limbs": [first, last]} | ({"roll": "none"} if restriction else {})
        return RuleReading((rule,), match.group().rstrip(" ,."), modifiers_apply=False)
    return None


def _recurring(words, *, restriction, closings_recur):
    for pattern, frequency in _FREQUENCY:
        period = pattern.search(words)
        if not period:
            continue
        rule = {"kind": "recurring"}
        quote = period.group()
        offset = _OFFSET_AFTER.search(words)
        if offset is None:
            offset = re.search(rf"\bwithin\s+{DURATION}", words, re.I)
        if offset is None and _BEFORE_PERIOD.search(words):
            offset = _OFFSET_BEFORE.search(words)
        if offset:
            rule |= duration_read(offset.group()).rule_fields()
            quote = offset.group()[:160] if period.start() >= offset.start() else words[period.start():offset.end()]
        rule["frequency"] = frequency
        if offset and _BEFORE_PERIOD.search(words):
            rule |= _before_period(rule)
        only = _ONLY_QUARTERS.search(words) if frequency == "quarterly" else None
        if only:
            count = {"two": 2, "2": 2, "three": 3, "3": 3}.get((only.group(1) or "").lower(), 3)
            rule["only_periods"] = ", ".join(str(n) for n in range(1, count + 1))
        return RuleReading((_ordered(rule),), _clip(quote))
    return None


# "within thirty (30) days prior to the beginning of each fiscal year": counted back from the period before's end
_BEFORE_PERIOD = re.compile(r"\b(?:prior to|before) the (?:beginning|start|commencement) of each\b", re.I)


def _before_period(rule: dict) -> dict:
    """A period begins the day after the one before it ends: N calendar days before it is N - 1 before that end."""
    offset = rule.get("offset", 0)
    if "unit" not in rule:
        offset -= 1
    return {"offset": offset, "direction": "before", "roll": ROLL_BACK}


def _counted_back(words, *, restriction, closings_recur):
    match = _OFFSET_BEFORE.search(words) or _PRIOR_NOTICE.search(words)
    if not match:
        return None
    duration = duration_read(match.group())
    anchor = anchor_read(match.group("anchor"), before=words[:match.start()], duty=words, closings_recur=closings_recur)
    fields = duration.rule_fields() | {"direction": "before", "roll": ROLL_BACK}
    conditional = re.search(r"\bunless\b|\bof (?:such|any|each)\b|\bany\b", words[:match.end()], re.I)
    if anchor.per_event or (anchor.anchor == "event" and conditional):
        rule = {"kind": "each_event"} | fields | {"event_kind": anchor.kind_name(match.group("anchor"))}
    else:
        rule = {"kind": "after_anchor"} | fields | _anchor_fields(anchor)
    rule = _ordered(rule)
    return RuleReading((rule,), _clip(match.group()))


def _counted_after(words, *, restriction, closings_recur):
    match = _OFFSET_AFTER.search(words)
    if not match:
        return None
    duration = duration_read(match.group())
    anchor_words = match.group("anchor") if match.group("prep") else ""
    if not anchor_words.strip():
        # "promptly after X, and in any event within three Business Days thereafter": the days count from X
        elsewhere = (_PROMPTLY_AFTER.search(words[:match.start()]) or _AFTER_RECEIPT.search(words)
                     or _UPON_START.search(words))
        anchor_words = elsewhere.group("anchor") if elsewhere else ""
    if not anchor_words.strip():
        return RuleReading(
            ({"kind": "after_anchor", "anchor": "agreement_date"} | duration.rule_fields(),),
            _clip(match.group()),
            reading="no starting point is named: counted from the agreement date",
        )
    anchor = anchor_read(anchor_words, before=words[:match.start()], duty=words, closings_recur=closings_recur)
    return RuleReading((_dated(anchor, duration.rule_fields(), anchor_words),), _clip(match.group()))


def _dated(anchor: Anchor, fields: dict, anchor_words: str) -> dict:
    if anchor.per_event:
        return _ordered({"kind": "each_event"} | fields | {"event_kind": anchor.kind_name(anchor_words)})
    return _ordered({"kind": "after_anchor"} | fields | _anchor_fields(anchor))


def _same_time(words, *, restriction, closings_recur):
    match = _SAME_TIME.search(words)
    if not match:
        return None
    anchor = anchor_read(match.group("anchor"), closings_recur=closings_recur)
    if anchor.anchor in ("agreement_date", "closing_date"):
        return RuleReading(({"kind": "after_anchor", "anchor": anchor.anchor},), _clip(match.group()))
    rule = {"kind": "each_event", "event_kind": event_name(match.group("anchor"))}
    return RuleReading((rule,), _clip(match.group()), reading="due the same day as each event")


def _promptly_after(words, *, restriction, closings_recur):
    if restriction:
        return None
    match = _PROMPTLY_AFTER.search(words)
    if not match:
        return None
    anchor = anchor_read(match.group("anchor"), before=words[:match.start()], duty=words, closings_recur=closings_recur)
    return RuleReading(
        (_dated(anchor, {}, match.group("anchor")),), _clip(match.group()),
        reading="no number of days is stated: due the day of its event",
    )


def _as_soon_as_aware(words, *, restriction, closings_recur):
    match = _AS_SOON_AS_AWARE.search(words)
    if not match:
        return None
    subject = re.search(r"\bof (any [^,;]{3,80}?)(?: in | occurring|,|$)", words)
    kind = event_name(subject.group(1) if subject else "Matter") + " known"
    return RuleReading(
        ({"kind": "each_event", "event_kind": kind},), _clip(match.group()),
        reading="due the day the obligor learns of each matter",
    )


def _on_anchor(words, *, restriction, closings_recur):
    if restriction:
        return None
    match = _ZERO_AT.search(words)
    if not match:
        return None
    anchor = anchor_read(match.group("anchor"), closings_recur=closings_recur)
    if anchor.anchor == "event" and re.match(r"(?i:as of|at)\b", match.group()):
        return None  # "as of the Effective Date" speaks of a state, not a due day
    return RuleReading((_dated(anchor, {}, match.group("anchor")),), _clip(match.group()))


def _upon_start(words, *, restriction, closings_recur):
    if restriction:
        return None
    match = _UPON_START.search(words)
    if not match or _REQUEST.match(words[match.start():]):
        return None
    anchor = anchor_read(match.group("anchor"), closings_recur=closings_recur)
    return RuleReading(
        (_dated(anchor, {}, match.group("anchor")),), _clip(match.group().rstrip(", ")),
        reading="no number of days is stated: due the day of its event",
    )


def _receives(words, *, restriction, closings_recur):
    if restriction:
        return None
    match = _RECEIVES.search(words)
    if not match:
        return None
    kind = event_name(match.group(1)) + " received"
    return RuleReading(
        ({"kind": "each_event", "event_kind": kind},), _clip(match.group()),
        reading="'promptly': due the day each is received",
    )


def _breach_if(words, *, restriction, closings_recur):
    match = _BREACH_IF.search(words)
    if not match:
        return None
    return RuleReading(
        ({"kind": "each_event", "event_kind": event_name(match.group("cond"), limit=12)},), _clip(match.group()),
        reading="each time it happens; due the day it begins",
    )


def _practicable(words, *, restriction, closings_recur):
    if restriction:
        return None
    match = _PRACTICABLE.search(words)
    if not match:
        return None
    return RuleReading(
        ({"kind": "after_anchor", "anchor": "agreement_date"},), match.group(),
        reading="'as soon as practicable' names no day: dated the agreement date, offset 0",
    )


_COPIES = re.compile(r"\bcop(?:y|ies) of (?:all|any|each)\b", re.I)
_HAPPENED = re.compile(
    r"\b(?:all|any|each|other) ([\w' -]{3,80}?) (prepared|delivered|furnished|filed|issued|released|given|sent|"
    r"made available|distributed|mailed|published)\b",
    re.I,
)


def _copies_of_all(words, *, restriction, closings_recur):
    """ "copies of all quarterly financial statements ... prepared ... and all documents delivered to stockholders":
    each kind of document is due the day it is prepared or delivered, one rule for each."""
    if restriction or not _COPIES.search(words):
        return None
    kinds: dict[str, str] = {}
    for found in _HAPPENED.finditer(words[_COPIES.search(words).start():]):
        kinds.setdefault(found.group(2).lower(), event_name(f"{found.group(1)} {found.group(2)}"))
    if not kinds:
        return None
    rules = tuple({"kind": "each_event", "event_kind": kind} for kind in kinds.values())
    return RuleReading(rules, _clip(_COPIES.search(words).group() + " ... " + ", ".join(kinds)),
                       reading="no time is stated for each copy: due the day each is " + " or ".join(kinds))


_FIELD_ORDER = ("kind", "fixed_date", "offset", "unit", "direction", "anchor", "event", "event_kind", "frequency",
                "only_periods", "starts_with", "ends_with", "ends_when_notes_repaid", "roll", "holiday_calendar",
                "limbs")


def _ordered(rule: dict) -> dict:
    return {key: rule[key] for key in _FIELD_ORDER if key in rule}


def rule_finish(rule: dict, modifiers: dict) -> dict:
    """Adds what starts and ends a repeating duty; a one-off date takes neither."""
    if rule["kind"] in ("recurring", "each_event", "period"):
        rule = rule | modifiers
        if "request" in rule.get("event_kind", "").lower():
            rule.pop("starts_with", None)  # each request starts its own days
    return _ordered(rule)


def _clip(words: str, limit: int = 160) -> str:
    words = words.strip(" ,;")
    return words if len(words) <= limit else words[:limit].rsplit(" ", 1)[0] + " ..."


# --------------------------------------------------------------------------
# Damages
# --------------------------------------------------------------------------

_MONTHLY_ON_NOTES = re.compile(
    r"\b(?P<rate>\d+(?:\.\d+)?)\s?%\)?\s*of the (?:outstanding|principal|unpaid)[^.;]{0,60}?\b(?:Notes?|principal|Debentures?)\b[^.;]{0,40}?\bper month\b",
    re.I,
)
_PER_ANNUM = re.compile(r"\b(?:at )?(?:a rate of )?(?P<rate>\d+(?:\.\d+)?)\s?%\)? per annum\b", re.I)
_DAMAGES_TERM = re.compile(r"\(\s*(?:the )?\"([A-Z][^\"]*(?:Damages|Penalty)[^\"]*)\"\s*\)")


def penalty_read(words: str, *, damages: dict[str, tuple[str, str]] | None = None) -> tuple[str, str] | None:
    """('monthly_on_notes', '0.03') for "3% of the outstanding principal ... per month"; a defined damages term too."""
    monthly = _MONTHLY_ON_NOTES.search(words)
    if monthly:
        return "monthly_on_notes", _fraction(monthly.group("rate"))
    annual = _PER_ANNUM.search(words)
    if annual and re.search(r"\binterest\b|\bpenalt|\bdamages\b", words, re.I):
        return "annual_on_amount", _fraction(annual.group("rate"))
    for term, penalty in (damages or {}).items():
        if term.lower() in words.lower():
            return penalty
    return None


def damages_terms(text: str) -> dict[str, tuple[str, str]]:
    """Each defined damages term ("Standard Liquidated Damages Amount") -> the penalty its definition states."""
    found = {}
    for term in _DAMAGES_TERM.finditer(text):
        definition = text[max(0, term.start() - 400):term.start()]
        penalty = penalty_read(definition)
        if penalty:
            found[term.group(1)] = penalty
    return found


def _fraction(percent: str) -> str:
    value = (Decimal(percent) / 100).normalize()
    return format(value, "f")
