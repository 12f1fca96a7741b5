"""An agreement's plain text -> its numbered sections, each with the exact span of text it covers.

Numbers are written in the desk's style, keeping the agreement's letter case: "1", "1(a)",
"3(s)(i)", "5(D)(i)", "4.2(a)(ii)", "Article IV", "Recital A", plus "Preamble" for the opening
words and "Signatures" for the signature pages. A parent's span includes its children.

How a marker ("5.", "A.", "(iv)", "Section 5.1", "ARTICLE IV") is told from the same characters
used otherwise:
  - it starts a paragraph: the line before is blank, ends a sentence or list item ("." ":" ";"
    "; and") or is a heading on its own line ("RECITALS", "1. The Notes"), so a wrapped line that
    happens to begin "(i)" stays in its sentence; where the
    text has no blank lines (a PDF's), a line start may still continue a sequence ("e." after "d.");
  - it continues a sequence that is open ("D." after "C.") or starts a new level with a first
    value ("A.", "(i)", "1."), so a cross-reference or a stray "(c)" is no section;
  - inside a paragraph only lettered items with a period count ("11. MISCELLANEOUS. A. This ...
    B. Any notice"), the first one right after a caption or with a caption of its own; the "(i)",
    "(ii)" items running inside a sentence are left to `subsections_inline`;
  - a table of contents, the page numbers of EDGAR text and everything after the signatures
    (exhibits have their own numbering) are skipped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from dealdesk.intake.reading import Section, Span

PREAMBLE = "Preamble"
SIGNATURES = "Signatures"

# -- Reading one marker ------------------------------------------------------------------------

_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ARTICLE = re.compile(r"(?:ARTICLE|Article)[ \t]+(?P<label>[IVXLC]+|\d{1,2})\b\.?")
_DECIMAL = re.compile(
    r"(?P<word>(?:SECTION|Section|§)[ \t]*)?(?P<dec>\d{1,3}(?:\.\d{1,3})*)"
    r"(?P<path>(?:\([a-zA-Z0-9]{1,5}\))*)(?P<dot>\.?)(?=[ \t]|$)",
    re.MULTILINE,
)
_ITEM = re.compile(r"(?P<open>\()?(?P<label>[a-zA-Z]{1,5}|\d{1,2})(?P<close>[.)])(?=[ \t]|$)", re.MULTILINE)
_PATH_PART = re.compile(r"\(([a-zA-Z0-9]{1,5})\)")
_REFERENCE_AFTER = re.compile(
    r"[ \t]+(?:of|and|or|above|below|hereof|herein|hereunder|shall|is|are|to|in|through|applies|apply)\b"
)
# A line that is page furniture, not text: a page number, "- 3 -", "Page 3 of 12", a blank-page
# note, an EDGAR tag left in pasted text.
_FURNITURE = re.compile(
    r"^[ \t]*(?:-?[ \t]*\d{1,3}[ \t]*-?|Page[ \t]+\d+(?:[ \t]+of[ \t]+\d+)?|\[[^\]\n]*(?:BLANK|FOLLOWS?)[^\]\n]*\]"
    r"|</?(?:PAGE|TEXT|DOCUMENT)>)[ \t]*$",
    re.IGNORECASE,
)
_ENDS_ITEM = re.compile(r"(?:[.:;]|[;,][ \t]*(?:and|or))[\"')\]]*[ \t]*$")
_TOC_LINE = re.compile(r"(?:\.{3,}|[ \t]{2,}|\t)[ \t.]*\d{1,3}[ \t]*$")


@dataclass(frozen=True)
class _Reading:
    """One way to read a marker: its style, its value within that style and its label as written."""

    style: str  # "article", "dec1", "dec2", ..., or an item style such as "(lower-roman)" / "UPPER-letter."
    value: int
    label: str
    prefix: tuple[int, ...] = ()  # the leading parts of a decimal number ("5.1" -> (5,))


@dataclass(frozen=True)
class _Marker:
    start: int  # where the marker's characters start
    end: int  # just past them
    readings: tuple[_Reading, ...]
    inline: bool = False  # found inside a paragraph, not at a line start
    # At a line start, but the line before runs on (text from a PDF has no blank lines between
    # paragraphs): it may only continue an open sequence, as "e." after "d.", never start one.
    loose: bool = False
    # A full number written out ("4.2(a)(ii)"): (number, reading) of each of its levels, outermost first.
    path: tuple[tuple[str, _Reading], ...] = ()


def _roman(label: str) -> int | None:
    label = label.lower()
    if not label or any(character not in _ROMAN_VALUES for character in label):
        return None
    total = 0
    for index, character in enumerate(label):
        value = _ROMAN_VALUES[character]
        following = _ROMAN_VALUES[label[index + 1]] if index + 1 < len(label) else 0
        total += -value if value < following else value
    return total if _roman_label(total) == label else None


def _roman_label(number: int) -> str:
    out = ""
    numerals = ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


def _item_readings(label: str, opened: bool, close: str) -> tuple[_Reading, ...]:
    """"(iv)", "A.", "(1)", "b)" -> every style it could belong to."""
    shape = ("(" if opened else "") + "{}" + close
    if label.isdigit():
        return (_Reading(shape.format("number"), int(label), label),) if opened else ()
    case = "lower" if label.islower() else "UPPER" if label.isupper() else ""
    if not case:
        return ()
    readings = []
    if len(set(label)) == 1 and len(label) <= 2:  # "a", "aa": Word and EDGAR letter past z by doubling
        value = (ord(label[0].lower()) - ord("a") + 1) + 26 * (len(label) - 1)
        readings.append(_Reading(shape.format(f"{case}-letter"), value, label))
    roman = _roman(label)
    if roman is not None:
        readings.append(_Reading(shape.format(f"{case}-roman"), roman, label))
    return tuple(readings)


def _marker_at(text: str, position: int) -> _Marker | None:
    """The marker starting exactly at `position` (a line's first non-blank character), if any."""
    line_end = text.find("\n", position)
    line = text[position: len(text) if line_end < 0 else line_end]
    if match := _ARTICLE.match(line):
        label = match.group("label")
        value = int(label) if label.isdigit() else _roman(label)
        if value:
            return _Marker(position, position + match.end(), (_Reading("article", value, label),))
    if match := _DECIMAL.match(line):
        return _decimal_marker(match, line, position)
    if match := _ITEM.match(line):
        readings = _item_readings(match.group("label"), bool(match.group("open")), match.group("close"))
        if match.group("close") == ")" and not match.group("open") and not match.group("label").islower():
            readings = ()  # "A)" and "1)" are rare as markers and common in wrapped text
        if readings and line[match.end():].strip():
            return _Marker(position, position + match.end(), readings)
    return None


def _decimal_marker(match: re.Match, line: str, position: int) -> _Marker | None:
    parts = tuple(int(part) for part in match.group("dec").split("."))
    has_word, has_dot, path = bool(match.group("word")), bool(match.group("dot")), match.group("path")
    rest = line[match.end():]
    if len(parts) == 1 and not (has_word or has_dot or path):
        return None  # "1044 Northern Boulevard", a page number
    if not has_word and not rest.strip():
        return None
    if (has_word and re.match(r"[ \t]+[a-z]", rest)) or (path and _REFERENCE_AFTER.match(rest)):
        return None  # "Section 4(c) of this Agreement ...", "2(a) and 2(b) apply": cross-references
    end = position + match.end()
    reading = _Reading(f"dec{len(parts)}", parts[-1], match.group("dec"), parts[:-1])
    if path:
        levels = _path_levels(match.group("dec"), reading, _PATH_PART.findall(path))
        return _Marker(position, end, (levels[-1][1],), path=levels) if levels else None
    return _Marker(position, end, (reading,))


def _path_levels(decimal: str, reading: _Reading, labels: list[str]) -> tuple[tuple[str, _Reading], ...]:
    """"4.2", ["a", "ii"] -> ("4.2", dec2), ("4.2(a)", letter a), ("4.2(a)(ii)", roman ii)."""
    levels = [(decimal, reading)]
    for label in labels:
        readings = _item_readings(label, True, ")")
        if not readings:
            return ()
        # (a)(i): a roman-looking label below a letter is a roman numeral; otherwise a letter.
        below_letter = "letter" in levels[-1][1].style
        chosen = next((r for r in readings if ("roman" in r.style) == below_letter), readings[0])
        levels.append((f"{levels[-1][0]}({label})", chosen))
    return tuple(levels)


# -- Finding the candidates -----------------------------------------------------------------------

def _lines(text: str, start: int, end: int):
    """(offset of the line's first non-blank character, the line) for each line in [start, end)."""
    position = start
    while position < end:
        line_end = text.find("\n", position, end)
        line_end = end if line_end < 0 else line_end
        line = text[position:line_end]
        yield position + (len(line) - len(line.lstrip())), line
        position = line_end + 1


def _starts_paragraph(text: str, position: int) -> bool:
    """The line holding `position` starts a paragraph or a list item, not a wrapped sentence.

    A blank line before it is a paragraph break, unless a page number sits in the gap: then the
    sentence may run on across the page, and the last line before the break decides.
    """
    end = text.rfind("\n", 0, position)  # the end of the line before
    blank_seen = page_break = False
    for _ in range(12):
        if end < 0:
            return True
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if not line.strip():
            blank_seen = True
        elif _FURNITURE.match(line):
            page_break = True
        else:
            return (blank_seen and not page_break) or bool(_ENDS_ITEM.search(line)) or _is_heading_line(text, start)
        end = start - 1
    return True


# A heading standing on its own line ends what came before it even with no blank line after it
# (text from a PDF or a word processor): "RECITALS", "ARTICLE I DEFINITIONS", "1. The Notes".
_HEADING_WORDS = re.compile(r"^[ \t]*(?:Recitals|Background|Agreements?|Witnesseth|Definitions)[ \t]*:?[ \t]*$", re.I)
_RUNS_ON = re.compile(r"(?:[,\-–—(]|\b(?:and|or|the|of|to|in|by|for|with|a|an|as|at|on|from|under|that|its)\b)[ \t]*$", re.I)


def _is_heading_line(text: str, start: int) -> bool:
    """The line starting at `start` is a heading: a short line in capitals, a heading word, or a
    section marker with a caption and nothing more ("1. The Notes", "Section 2.1 Advances")."""
    line_end = text.find("\n", start)
    raw = text[start: len(text) if line_end < 0 else line_end]
    line = raw.strip()
    if _HEADING_WORDS.match(line):
        return True
    if not line or len(line) > 90 or _RUNS_ON.search(line):
        return False
    letters = [character for character in line if character.isalpha()]
    if len(letters) >= 2 and all(character.isupper() for character in letters) and len(line.split()) <= 10:
        return True
    first = start + len(raw) - len(raw.lstrip())
    marker = _marker_at(text, first)
    rest = text[marker.end:first + len(line)].strip() if marker else ""
    return bool(rest) and _is_caption(rest.rstrip(".:"))


def _loosened(marker: _Marker) -> _Marker:
    return _Marker(marker.start, marker.end, marker.readings, marker.inline, loose=True)


_INLINE_LETTER = re.compile(r"(?<=[.:])[ \t]{1,4}(?P<label>[A-Za-z])\.[ \t]+(?=[A-Z\"])")


def _candidates(text: str, start: int, end: int) -> list[_Marker]:
    markers = []
    for position, line in _lines(text, start, end):
        if not line.strip() or _TOC_LINE.search(line) and not _ENDS_ITEM.search(line):
            continue
        marker = _marker_at(text, position)
        if marker:
            markers.append(marker if _starts_paragraph(text, position) else _loosened(marker))
    for match in _INLINE_LETTER.finditer(text, start, end):
        label = match.group("label")
        readings = tuple(r for r in _item_readings(label, False, ".") if r.style.endswith("letter."))
        line_start = text.rfind("\n", 0, match.start("label")) + 1
        if readings and text[line_start:match.start("label")].strip():
            markers.append(_Marker(match.start("label"), match.start("label") + 2, readings, inline=True))
    return sorted(markers, key=lambda marker: marker.start)


# -- Placing the candidates in the outline ------------------------------------------------------

@dataclass
class _Open:
    reading: _Reading
    number: str
    start: int
    heading: str
    caption_end: int
    implied: bool = False  # a level a written-out number implies ("4.2" of "4.2(a)(ii)"), not itself written


def _number_under(parent: _Open | None, reading: _Reading) -> str:
    if reading.style == "article":
        return f"Article {reading.label}"
    if reading.style.startswith("dec"):
        return reading.label
    return f"{parent.number}({reading.label})" if parent else reading.label


def _continues(level: _Open, reading: _Reading, marker: _Marker) -> bool:
    """`reading` is the next one of the open level's sequence."""
    if level.reading.style != reading.style:
        return False
    step = reading.value - level.reading.value
    if reading.style.startswith("dec") and reading.prefix != level.reading.prefix:
        # "2.1" after "1.4": a new chapter of a numbering with no "2." of its own.
        return reading.value == 1 and reading.prefix[:-1] == level.reading.prefix[:-1] and (
            reading.prefix[-1] == level.reading.prefix[-1] + 1
        )
    # One value may be skipped (Cal-Bay has no section 9) where the paragraph break is plain.
    skip_allowed = not marker.inline and reading.style in ("dec1", "article")
    if step > 2 and reading.style == "article" and not (marker.inline or marker.loose):
        # "ARTICLE VI" standing on its own line after "ARTICLE I": an excerpt leaves articles out.
        return True
    return step == 1 or (step == 2 and skip_allowed)


def _opens_level(stack: list[_Open], reading: _Reading, marker: _Marker, text: str) -> bool:
    """`reading` starts a new level under the deepest open section."""
    if reading.value != 1 or any(level.reading.style == reading.style for level in stack):
        return False
    parent = stack[-1] if stack else None
    if reading.style.startswith("dec") and parent:
        if parent.reading.style.startswith("dec"):
            return reading.prefix == parent.reading.prefix + (parent.reading.value,)
        if parent.reading.style == "article":
            return reading.prefix[:1] == (parent.reading.value,)
    if marker.inline:
        # Inside a paragraph a new level starts right after its parent's caption ("2. REPS. A. The")
        # or with a caption of its own ("... below. A. Reports. The Consultant ...").
        if parent is None:
            return False
        return not text[parent.caption_end:marker.start].strip() or bool(_caption(text, marker, reading)[0])
    return True


def _place(stack: list[_Open], marker: _Marker, text: str) -> tuple[int, _Reading] | None:
    """(depth at which the marker opens, its reading), or None when it is no section."""
    if marker.loose:
        return _place_loose(stack, marker, text)
    for depth in range(len(stack) - 1, -1, -1):
        for reading in marker.readings:
            if _continues(stack[depth], reading, marker):
                if depth == len(stack) - 1 or not _opens_level_any(stack, marker, text):
                    return depth, reading
    for reading in marker.readings:
        if _opens_level(stack, reading, marker, text):
            return len(stack), reading
    return None


def _place_loose(stack: list[_Open], marker: _Marker, text: str) -> tuple[int, _Reading] | None:
    # A "(ii)" at the start of a wrapped line is too often a sentence's own list; "e." or "4." next
    # in sequence, or any item with a caption of its own, is a section.
    for depth in range(len(stack) - 1, -1, -1):
        for reading in marker.readings:
            if _continues(stack[depth], reading, marker) and (
                not reading.style.startswith("(") or _caption(text, marker, reading)[0]
            ):
                return depth, reading
    return None


def _opens_level_any(stack, marker, text) -> bool:
    return any(_opens_level(stack, reading, marker, text) for reading in marker.readings)


def _outline(text: str, start: int, end: int) -> list[Section]:
    sections: list[Section] = []
    stack: list[_Open] = []

    def close(depth: int, at: int) -> None:
        while len(stack) > depth:
            level = stack.pop()
            if not level.implied:
                sections.append(Section(level.number, level.heading, _trimmed(text, level.start, at)))

    for marker in _candidates(text, start, end):
        if stack and marker.start < stack[-1].caption_end:
            continue  # inside the caption of the section just opened
        if marker.path:
            written = {section.number for section in sections} | {level.number for level in stack}
            if not marker.loose and marker.path[-1][0] not in written:
                _open_path(stack, marker, text, close)
            continue
        if not stack and not sections and _is_outermost(marker):
            placed = (0, marker.readings[0])  # the first section, whatever its number (an excerpt)
        else:
            placed = _place(stack, marker, text)
        if placed is None:
            continue
        depth, reading = placed
        close(depth, marker.start)
        parent = stack[-1] if stack else None
        heading, caption_end = _caption(text, marker, reading)
        stack.append(_Open(reading, _number_under(parent, reading), marker.start, heading, caption_end))
    close(0, end)
    return sorted(sections, key=lambda section: (section.span.start, -section.span.end))


def _open_path(stack: list[_Open], marker: _Marker, text: str, close) -> None:
    """"4.2(a)(ii) ..." written out in full: placed under the open section its number extends.

    The levels it implies ("4.2", "4.2(a)") are kept open without becoming sections, so "4.3"
    after it continues the sequence.
    """
    numbers = [number for number, _ in marker.path]
    depth = 0
    while depth < len(stack) and stack[depth].reading.style == "article":
        depth += 1
    for index in range(len(stack) - 1, -1, -1):
        if stack[index].number in numbers[:-1]:
            depth = index + 1
            break
    close(depth, marker.start)
    known = {level.number for level in stack}
    for number, reading in marker.path[:-1]:
        if number not in known:
            stack.append(_Open(reading, number, marker.start, "", marker.start, implied=True))
    number, reading = marker.path[-1]
    heading, caption_end = _caption(text, marker, reading)
    stack.append(_Open(reading, number, marker.start, heading, caption_end))


# -- Captions -----------------------------------------------------------------------------------

_SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to upon with under etc etc. vs vs.".split()
)
_ABBREVIATIONS = ("etc", "inc", "co", "ltd", "no", "corp")
_CAPTION_END = re.compile(r"[.:](?=\s|$)")


def _caption(text: str, marker: _Marker, reading: _Reading) -> tuple[str, int]:
    """(the section's caption, where it ends) or ("", end of the marker) when it has none."""
    after = marker.end
    separator = re.compile(r"[ \t]*[-–—:][ \t]+(?=\S)").match(text, after)
    if separator:
        after = separator.end()  # "ARTICLE I - DEFINITIONS", "Section 2.1 — Advances"
    line_end = text.find("\n", after)
    line_end = len(text) if line_end < 0 else line_end
    if reading.style == "article" and not text[after:line_end].strip(" \t-–—:."):
        return _caption_on_next_line(text, line_end, after)
    window = text[after:_caption_limit(text, after)]
    flat = re.sub(r"\s+", " ", window).lstrip()
    leading = len(window) - len(window.lstrip())
    found = _CAPTION_END.search(flat)
    candidate = flat[:found.start()] if found else ""
    if not found or not _is_caption(candidate):
        rest = text[after:line_end].strip()
        next_line = text[line_end + 1:].split("\n", 1)[0]
        next_starts = line_end + 1 + len(next_line) - len(next_line.lstrip())
        stands_alone = not next_line.strip() or _marker_at(text, next_starts) is not None
        if rest and stands_alone and _is_caption(rest):
            return _cased(rest.rstrip(".:")), line_end
        return "", after
    heading = candidate + ("." if candidate.split(" ")[-1].lower().rstrip(".") in _ABBREVIATIONS else "")
    return _cased(heading.strip()), after + leading + _raw_length(window[leading:], found.end())


def _caption_limit(text: str, after: int) -> int:
    """Where a caption must end: within 240 characters, and before a line that starts a section
    ("1. The Notes" over "(a) Issuance of Notes." is captioned "The Notes")."""
    limit = min(after + 240, len(text))
    line_end = text.find("\n", after, limit)
    while line_end >= 0:
        following = re.compile(r"\s*").match(text, line_end).end()
        if following < len(text) and _marker_at(text, following):
            return line_end
        line_end = text.find("\n", line_end + 1, limit)
    return limit


def _caption_on_next_line(text: str, line_end: int, after: int) -> tuple[str, int]:
    following = re.match(r"\n[ \t]*\n?[ \t]*([^\n]+)", text[line_end:])
    if following and _is_caption(following.group(1).strip()) and not _marker_at(text, line_end + following.start(1)):
        return _cased(following.group(1).strip().rstrip(".:")), line_end + following.end(1)
    return "", after


def _raw_length(raw: str, flat_length: int) -> int:
    """How many characters of `raw` collapse (runs of whitespace to one space) to `flat_length`."""
    seen = 0
    index = 0
    while index < len(raw) and seen < flat_length:
        if raw[index].isspace():
            while index < len(raw) and raw[index].isspace():
                index += 1
        else:
            index += 1
        seen += 1
    return index


def _is_caption(candidate: str) -> bool:
    words = candidate.split()
    if not 1 <= len(words) <= 16 or len(candidate) > 160:
        return False
    if not words[0][:1].isupper():
        return False
    for word in words:
        bare = word.strip("\"'(),;&-")
        if not bare or not bare[0].isalpha() or bare[0].isupper() or bare.lower() in _SMALL_WORDS:
            continue
        return False
    return True


def _cased(heading: str) -> str:
    """An ALL-CAPS caption in title case.

    "BUYERS' REPRESENTATIONS AND WARRANTIES" -> "Buyers' Representations and Warranties".
    """
    if any(character.islower() for character in heading):
        return heading
    words = heading.split()
    cased = [
        word.lower() if index and word.lower() in _SMALL_WORDS else word[:1] + word[1:].lower()
        for index, word in enumerate(words)
    ]
    return " ".join(cased)


def _trimmed(text: str, start: int, end: int) -> Span:
    """[start, end) less the blank lines, page numbers and blank-page notes at its end."""
    while True:
        while end > start and text[end - 1].isspace():
            end -= 1
        line_start = text.rfind("\n", start, end) + 1
        if line_start <= start or not _FURNITURE.match(text[line_start:end]):
            return Span(start, end)
        end = line_start


# -- The parts around the body: preamble, recitals, signatures, table of contents ---------------

_WITNESSETH = "[ \t]*".join("WITNESSETH")  # also spaced out: "W I T N E S S E T H"
_RECITALS = re.compile(rf"^[ \t]*(?:WHEREAS\b|RECITALS\b|Recitals\b|BACKGROUND\b|{_WITNESSETH})", re.MULTILINE)
# Where the recitals end: "NOW, THEREFORE, ..." or a heading "AGREEMENT" over the operative part.
_NOW_THEREFORE = re.compile(
    r"^[ \t]*(?:NOW,?[ \t]+THEREFORE\b|AGREEMENTS?[ \t]*:?[ \t]*$)", re.MULTILINE | re.IGNORECASE
)
_SIGNATURES = re.compile(r"^[ \t]*IN[ \t]+WITNESS[ \t]+WHEREOF\b", re.MULTILINE | re.IGNORECASE)
_AFTER_SIGNATURES = re.compile(
    r"^[ \t]*(?:EXHIBIT|SCHEDULE|ANNEX|APPENDIX)[ \t]+[A-Z0-9][-A-Z0-9.]*[ \t]*$", re.MULTILINE
)
_TABLE_OF_CONTENTS = re.compile(
    r"^[ \t]*(?:TABLE[ \t]+OF[ \t]+CONTENTS|Table[ \t]+of[ \t]+Contents|CONTENTS|INDEX)[ \t]*$", re.MULTILINE
)
_FIRST_SECTION = re.compile(
    r"^[ \t]*(?:(?:ARTICLE|Article)[ \t]+(?:I|1)\b|(?:SECTION|Section|§)[ \t]*1(?:\.0?1?)?\b|1\.(?:0?1)?(?=[ \t]))",
    re.MULTILINE,
)


def _body_start(text: str) -> int:
    """Where the first numbered section starts, past any table of contents."""
    search_from = 0
    contents = _TABLE_OF_CONTENTS.search(text)
    if contents and contents.start() < len(text) // 3:
        first = _FIRST_SECTION.search(text, contents.end())
        if first:
            # The contents list the first section; the body starts where it is written a second time.
            again = re.compile(r"^[ \t]*" + re.escape(first.group(0).strip()) + r"(?=\W)", re.MULTILINE)
            second = again.search(text, first.end())
            search_from = second.start() if second else contents.end()
    for match in _FIRST_SECTION.finditer(text, search_from):
        position = match.start() + len(match.group(0)) - len(match.group(0).lstrip())
        if _starts_paragraph(text, position) and not _TOC_LINE.search(text[position:text.find("\n", position)]):
            return position
    # No section 1: an excerpt pasted from the middle starts at its first numbered section.
    for position, line in _lines(text, search_from, len(text)):
        marker = _marker_at(text, position) if line.strip() else None
        if marker and _is_outermost(marker) and _starts_paragraph(text, position):
            return position
    return len(text)


def _is_outermost(marker: _Marker) -> bool:
    return not marker.path and marker.readings[0].style in ("article", "dec1")


_WHEREAS = re.compile(r"^[ \t]*(WHEREAS)\b", re.MULTILINE | re.IGNORECASE)


def _recitals(text: str, start: int, end: int) -> list[Section]:
    """"Recital A", ... for lettered recitals; "Recital 1", ... for WHEREAS paragraphs without letters."""
    items = _lettered_recitals(text, start, end) or [
        (match.start(1), str(index)) for index, match in enumerate(_WHEREAS.finditer(text, start, end), start=1)
    ]
    bounds = [position for position, _ in items] + [end]
    return [
        Section(f"Recital {label}", "", _trimmed(text, position, bounds[index + 1]))
        for index, (position, label) in enumerate(items)
    ]


def _lettered_recitals(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(where, label) of paragraphs lettered or numbered A., B., C. or 1., 2., 3., counting up."""
    found: list[tuple[int, str]] = []
    style = None
    for position, line in _lines(text, start, end):
        marker = _marker_at(text, position) if line.strip() else None
        if not marker or marker.path or not _starts_paragraph(text, position):
            continue
        for reading in marker.readings:
            if reading.value == len(found) + 1 and "roman" not in reading.style and style in (None, reading.style):
                style = reading.style
                found.append((position, reading.label))
                break
    return found


def agreement_sections(text: str) -> tuple[Section, ...]:
    """Every numbered section of the agreement in document order, with "Preamble" and "Signatures"."""
    body = _body_start(text)
    signatures = _SIGNATURES.search(text, body)
    body_end = signatures.start() if signatures else len(text)
    sections: list[Section] = []
    front_end = body
    recitals = _RECITALS.search(text, 0, body)
    if recitals:
        front_end = recitals.start()
        now_therefore = _NOW_THEREFORE.search(text, recitals.end(), body)
        sections_of_recitals = _recitals(text, recitals.start(), now_therefore.start() if now_therefore else body)
    else:
        sections_of_recitals = []
    preamble = _preamble(text, front_end)
    if preamble.end > preamble.start:
        sections.append(Section(PREAMBLE, "", preamble))
    sections.extend(sections_of_recitals)
    sections.extend(_outline(text, body, body_end))
    if signatures:
        after = _AFTER_SIGNATURES.search(text, signatures.end())
        start = _first_character(text, signatures.start())
        sections.append(Section(SIGNATURES, "", _trimmed(text, start, after.start() if after else len(text))))
    return tuple(sections)


_TERMS_DEFINED = re.compile(r"\((?:[^()]{0,40}\b)?(?:the|this)\s+[\"“][A-Z]")
_PARTIES_NAMED = re.compile(r"\b(?:between|among|by and|hereby agrees?|dated|entered into)\b", re.IGNORECASE)


def _preamble(text: str, end: int) -> Span:
    """The opening words before the recitals or the first section, less any table of contents."""
    start = _first_character(text, 0)
    contents = _TABLE_OF_CONTENTS.search(text, start, end)
    if not contents:
        return _trimmed(text, start, end)
    before = _trimmed(text, start, contents.start())
    after = _trimmed(text, _first_character(text, _contents_end(text, contents.end(), end)), end)
    # The words naming the parties are the preamble, whether the contents come before them or after;
    # a cover page lists the parties too, but only the preamble defines their terms ("the "Borrower"").
    for part in (before, after):
        if _TERMS_DEFINED.search(part.of(text)):
            return part
    for part in (before, after):
        if _PARTIES_NAMED.search(part.of(text)):
            return part
    return after if after.end > after.start else before


def _contents_end(text: str, start: int, end: int) -> int:
    """Just past the last line of a table of contents (a line ending in a page number)."""
    last = start
    for match in re.finditer(r"^[^\n]*$", text[start:end], re.MULTILINE):
        line = match.group(0)
        if _TOC_LINE.search(line):
            last = start + match.end()
        elif len(line.split()) >= 12:
            break  # running text: the contents are over
    return last


def _first_character(text: str, position: int) -> int:
    while position < len(text) and text[position].isspace():
        position += 1
    return position


# -- Items inside one section's sentences ------------------------------------------------------

_INLINE_ROMAN = re.compile(r"(?<![\w)\]])\((?P<label>[ivx]{1,5})\)(?=\s)")
# "clauses (i) and (ii) above", "Section 4(c)(i)": references to items, not items.
_REFERENCE_BEFORE = re.compile(
    r"(?:\b(?:clauses?|sub-?clauses?|subsections?|sections?|paragraphs?|items?)"
    r"|\([ivx]{1,5}\)[ \t\n]*(?:,|and|or|through|to|-))[ \t\n]*$",
    re.IGNORECASE,
)
_MIN_ITEM_LETTERS = 8


def subsections_inline(text: str, section: Section) -> tuple[Section, ...]:
    """The "(i)", "(ii)", "(iii)" items running inside one section's sentences, numbered under it.

    SPA s.4(g) "...the following reports ...: (i) within ten (10) days ...; (ii) within one (1)
    day ...; and (iii) ..." -> 4(g)(i), 4(g)(ii), 4(g)(iii). Only the first run that counts up
    from (i) is taken; references such as "clauses (i) and (ii) above" are not items.
    """
    start, end = section.span.start, section.span.end
    found = []
    for match in _INLINE_ROMAN.finditer(text, start, end):
        if _REFERENCE_BEFORE.search(text[max(start, match.start() - 30):match.start()]):
            continue
        value = _roman(match.group("label"))
        if value == len(found) + 1:
            found.append(match)
        elif value == 1 and len(found) < 2:
            found = [match]
        elif len(found) >= 2:
            break
    if len(found) < 2:
        return ()
    bounds = [match.start() for match in found] + [_sentence_end(text, found[-1].end(), end)]
    items = []
    for index, match in enumerate(found):
        span = _item_span(text, bounds[index], bounds[index + 1])
        if sum(character.isalpha() for character in span.of(text)) < _MIN_ITEM_LETTERS:
            return ()
        items.append(Section(f"{section.number}({match.group('label')})", "", span))
    return tuple(items)


def _sentence_end(text: str, position: int, end: int) -> int:
    paragraph = re.compile(r"\n[ \t]*\n").search(text, position, end)
    limit = paragraph.start() if paragraph else end
    for match in re.finditer(r"\.(?=\s+[A-Z\"(])", text[position:limit]):
        word = re.search(r"(\w+)$", text[position:position + match.start()])
        if not word or word.group(1).lower() not in _ABBREVIATIONS and len(word.group(1)) > 1:
            return position + match.end()
    return limit


def _item_span(text: str, start: int, end: int) -> Span:
    piece = text[start:end]
    trimmed = re.sub(r"[\s;,]*(?:\band|\bor)?[\s]*$", "", piece)
    return Span(start, start + len(trimmed))
