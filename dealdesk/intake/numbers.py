"""Numbers, amounts, rates and dates as agreements write them, in words, in figures or both.

    "Two Million Dollars ($2,000,000)"   -> Decimal("2000000")
    "forty five (45) days"               -> 45
    "10% secured convertible notes"      -> Decimal("0.1")
    "May 23, 2005", "16th day of June, 2003" -> datetime.date

Pure functions with no Django import; the figures win where words and figures are both written,
and `words_number` lets a caller check the words against them.
"""
from __future__ import annotations

import datetime
import re
from decimal import Decimal

_UNITS = {
    "zero": 0, "no": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}
# The cardinal words a duration is written in ("forty five (45) days"): none of them zero.
CARDINALS = {word: value for word, value in _UNITS.items() if value}
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}

MONTHS = (
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
)
MONTH_NAME = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"

# "May 23, 2005" / "June  16,  2003"
MONTH_DAY_YEAR = re.compile(rf"\b({MONTH_NAME})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
# "this 16th day of June, 2003"
DAY_OF_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+day\s+of\s+({MONTH_NAME}),?\s+(\d{{4}})\b", re.I)
# "$2,000,000", "$ 600,000.00", "$.001"
DOLLARS = re.compile(r"\$\s?((?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?)")
PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.I)
NUMBER_WORDS = "|".join(sorted([*_UNITS, *_SCALES, "hundred"], key=len, reverse=True))
# "five (5)", "forty five (45)", "twenty-one (21)"
WORDS_AND_FIGURES = re.compile(
    rf"\b((?:(?:{NUMBER_WORDS})[\s-]+(?:and\s+)?)*(?:{NUMBER_WORDS}))\s*\((\d+)\)", re.I
)


def words_number(words: str) -> int | None:
    """ "forty five" -> 45, "Two Million" -> 2000000; None when a word is not a number."""
    total = current = 0
    seen = False
    for word in re.split(r"[\s-]+", words.strip().lower()):
        if word in ("and", ""):
            continue
        if word in _UNITS:
            current += _UNITS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
        else:
            return None
        seen = True
    return total + current if seen else None


def figure(text: str) -> int:
    """ "12,143,290" -> 12143290."""
    return int(text.replace(",", ""))


def dollars(text: str) -> Decimal | None:
    """The first dollar figure in the text: "Two Million Dollars ($2,000,000)" -> 2000000."""
    match = DOLLARS.search(text)
    if not match or not match.group(1).strip("."):
        return None
    return Decimal(match.group(1).replace(",", ""))


def count_or_words(text: str) -> int | None:
    """ "380,000" -> 380000, "zero" -> 0: a count written in figures or words."""
    text = text.strip()
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        return figure(text)
    return words_number(text)


def rate(text: str) -> Decimal | None:
    """The first percentage as a decimal fraction: "10%" -> 0.1, "fifteen percent (15%)" -> 0.15."""
    match = PERCENT.search(text)
    if not match:
        return None
    return (Decimal(match.group(1)) / 100).normalize()


def day_count(text: str) -> int | None:
    """ "five (5)" -> 5: the figure in brackets, else the words."""
    match = WORDS_AND_FIGURES.search(text)
    if match:
        return int(match.group(2))
    return words_number(text)


def date_match(text: str, start: int = 0) -> re.Match | None:
    """The first written date at or after `start`, in either form."""
    found = [m for m in (MONTH_DAY_YEAR.search(text, start), DAY_OF_MONTH_YEAR.search(text, start)) if m]
    return min(found, key=lambda m: m.start()) if found else None


def date_of(match: re.Match) -> datetime.date:
    """The date a `date_match` found."""
    first, second, year = match.groups()
    if first.isdigit():
        day, month = first, second
    else:
        month, day = first, second
    return datetime.date(int(year), MONTHS.index(month.lower()) + 1, int(day))


def plain_decimal(value: Decimal) -> str:
    """How the deal document writes an amount: "2000000", "0.001", "0.1"."""
    return format(value.normalize(), "f")
