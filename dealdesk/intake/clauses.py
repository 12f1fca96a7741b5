"""A section's sentences -> obligation proposals, each with its deadline rule and the words it came from.

    1. Each section's own words (its sub-sections are read on their own), split into the items
       "(i) ... (ii) ..." it lists inline when each item carries its own time, then into sentences.
    2. A sentence is a duty when a party of the deal "shall", "will", "must", "agrees to",
       "covenants" or "undertakes" to do something (not "shall have been": a closing condition;
       not "shall be": a state of affairs; not "shall have the right": a right).
    3. Its rule comes from the deadline grammar (phrases.py); a duty with no date is a standing
       covenant the desk attests each quarter (desk practice). "If the Company fails to ... within"
       dates the duty stated just before it.
    4. Sections read and passed over on purpose (representations, recitals, definitions,
       boilerplate, closing conditions) come back with the reason.

Patterns are for the language of securities and loan agreements, never for particular parties.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from dealdesk.intake import phrases
from dealdesk.intake.reading import DealTerms, Proposal, Section, Span

STANDING_RULE = {"kind": "recurring", "frequency": "quarterly", "starts_with": "Compliance attestations begin"}
STANDING_WHY = ("no date of its own: held as a standing covenant the desk attests at each fiscal quarter end "
                "from \"Compliance attestations begin\" (desk practice, not the agreement's)")

_MODAL = re.compile(
    r"\b(shall|will|must|agrees? to|agrees? that|agrees? not to|hereby agrees?|covenants? and agrees?|covenants? (?:to|that)|"
    r"undertakes? to|is obligated to|are obligated to)\b"
)
_SKIP_AFTER_MODAL = re.compile(
    r"^(?:,[^,]{0,200},\s*|not\b,?\s*|that\s+(?:it|they)\s+(?:will|shall)\s+|promptly\s+|also\s+|further\s+|thereafter\s+|immediately\s+|timely\s+|"
    r"at all times\s+|at its expense\s+|severally\s+|\(and not jointly\)\s+|in good faith\s+|"
    r"use\s+(?:its|their)\s+(?:commercially\s+)?(?:reasonable\s+)?(?:best\s+)?efforts\s+to\s+)*",
    re.I,
)
_NOT_A_DUTY = re.compile(
    r"^(?:be\b|been\b|have (?:been|the right|no |an option|(?:\w+ly )?\w+ed\b|received|"
    r"delivered|executed|performed|furnished|obtained|issued|complied|satisfied)|not be\b|not have\b|constitute|survive|inure|govern|"
    r"remain|result|include|mean|prevail|control)",
    re.I,
)
# "The Company shall have delivered ...": a condition of closing, a checklist item rather than a dated duty.
_CONDITION = re.compile(r"^\s+(?:not )?have (?:been )?(?:\w+ly )?(?:\w+ed|received|given|taken|done|made)\b", re.I)
_LIST_LEAD_IN = re.compile(r"(?:as follows|the following[^.]*|[:,])\s*$", re.I)
_INFINITIVE_ITEM = re.compile(r"^(?:\([\w]+\)\s*|[A-Za-z0-9]{1,4}\.\s+)?To\s+(?!the\b)[a-z]+", re.S)
_FAILURE = re.compile(r"^(?:if|in the event (?:that )?)[^,]*?\b(?:fails? to|does not|do not|shall fail to|has not)\b", re.I)
_ROMAN = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
_PARTY_WORDS = re.compile(
    r"\b(?:the party to be indemnified|indemnified party|each party|either party|the parties(?: hereto)?|each of the parties)\b",
    re.I,
)
_PRONOUN = re.compile(r"^(?:it|they|such party)$", re.I)
_EXCHANGE = re.compile(r"^(?:shall |will )?(?:purchase|pay the purchase price|buy|subscribe|fund)\b", re.I)

_BOILERPLATE = (
    ("governing law", r"\bgoverned by\b|\bgoverning law\b"),
    ("counterparts", r"\bcounterparts?\b"),
    ("severability", r"\bseverab|\binvalid or unenforceable\b"),
    ("headings", r"\bheadings\b"),
    ("entire agreement", r"\bentire (?:agreement|understanding)\b"),
    ("successors and assigns", r"\bsuccessors and assigns\b"),
    ("third-party beneficiaries", r"\bthird party beneficiar|\bthird-party beneficiar"),
    ("no strict construction", r"\bstrict construction\b"),
    ("notices", r"\bnotices? required or permitted\b"),
)


@dataclass
class _Duty:
    section: str
    start: int
    end: int
    words: str  # squeezed words of the duty
    lead_in: str  # squeezed words of what introduces it (a list's opening words)
    obligors: tuple[str, ...]  # legal names; several when each is bound
    parties_each: bool  # one obligation per obligor
    negative: bool
    verb: str
    reading: phrases.RuleReading | None
    penalty: tuple[str, str] | None = None
    merged: list = field(default_factory=list)


def obligation_proposals(
    *, text: str, sections: tuple[Section, ...], terms: DealTerms
) -> tuple[list[Proposal], list[tuple[str, str]]]:
    """Obligation proposals for the agreement, and the sections passed over on purpose with why."""
    context = _Context(text=text, terms=terms, closings_recur=_closings_recur(text),
                       damages=phrases.damages_terms(phrases.squeeze(text)), children=_family(sections))
    proposals: list[Proposal] = []
    passed: list[tuple[str, str]] = []
    for index, section in enumerate(sections):
        duties, reason = _section_duties(index, sections, context)
        for duty in duties:
            proposals.extend(_proposals(duty, context))
        if not duties and reason:
            passed.append((section.number, reason))
    return _unique_titles(proposals), passed


@dataclass(frozen=True)
class _Context:
    text: str
    terms: DealTerms
    closings_recur: bool
    damages: dict
    children: dict  # section index -> the indexes of the sections it holds


def _family(sections: tuple[Section, ...]) -> dict[int, list[int]]:
    """Which sections each section holds (its span contains theirs), computed once."""
    order = sorted(range(len(sections)), key=lambda n: (sections[n].span.start, -sections[n].span.end))
    held: dict[int, list[int]] = {n: [] for n in range(len(sections))}
    open_: list[int] = []
    for n in order:
        span = sections[n].span
        while open_ and sections[open_[-1]].span.end < span.end:
            open_.pop()
        for holder in open_:
            if sections[holder].span != span:
                held[holder].append(n)
        open_.append(n)
    return held


def _closings_recur(text: str) -> bool:
    """A Closing the agreement never dates and speaks of as "the applicable Closing": one per draw or tranche."""
    dated = re.search(r"\(the\s+\"Closing\s+Date\"\)\s+shall\s+be\s+[^.]*?\d{4}", text, re.I)
    return not dated and bool(re.search(r"\b(?:applicable|each)\s+Closing\b", text))


# --------------------------------------------------------------------------
# Sections, items and sentences
# --------------------------------------------------------------------------


def _own_segments(index: int, sections: tuple[Section, ...], context: _Context) -> list[tuple[int, int]]:
    section = sections[index]
    segments, cursor = [], section.span.start
    for child in sorted((sections[n] for n in context.children[index]), key=lambda c: c.span.start):
        if child.span.start > cursor:
            segments.append((cursor, child.span.start))
        cursor = max(cursor, child.span.end)
    if cursor < section.span.end:
        segments.append((cursor, section.span.end))
    return segments


def _parent_lead_in(index: int, sections: tuple[Section, ...], context: _Context) -> str:
    """The opening words of the sections that hold this one ("To deliver, ... upon request,")."""
    holders = [n for n, held in context.children.items() if index in held]
    words = []
    for holder in sorted(holders, key=lambda n: sections[n].span.start):
        own = _own_segments(holder, sections, context)
        if own and own[0][0] == sections[holder].span.start:
            words.append(phrases.squeeze(context.text[own[0][0]:own[0][1]]))
    return " ".join(words)


def _section_duties(index: int, sections: tuple[Section, ...], context: _Context) -> tuple[list[_Duty], str]:
    text = context.text
    section = sections[index]
    number = section.number
    if number.lower().startswith("recital"):
        return [], "Recital: nothing to track"
    if number.lower() in ("preamble", "signatures"):
        return [], f"{number}: the parties, read for the deal itself"
    lead_in = _parent_lead_in(index, sections, context)
    duties: list[_Duty] = []
    conditions = False
    own_words = ""
    for start, end in _own_segments(index, sections, context):
        own_words += " " + phrases.squeeze(text[start:end])
        for item_number, item_start, item_end, item_lead in _items(number, start, end, text, context):
            item_duties, had_condition = _item_duties(
                item_number, item_start, item_end, " ".join(filter(None, (lead_in, item_lead))), context
            )
            duties.extend(item_duties)
            conditions = conditions or had_condition
    if duties:
        return duties, ""
    return [], _pass_reason(section, own_words, lead_in, conditions, bool(context.children[index]))


def _items(number: str, start: int, end: int, text: str, context: _Context):
    """(number, start, end, lead-in) for each inline item "(i) ... (ii) ..." that carries its own time; else the whole."""
    words = text[start:end]
    marks, cursor = [], 0
    for roman in _ROMAN:
        found = re.search(rf"(?:^|[\s;:,])\({roman}\)\s", words[cursor:])
        if not found:
            break
        at = cursor + found.start() + (0 if found.group().startswith("(") else 1)
        marks.append((roman, at))
        cursor = at + len(roman) + 2
    if len(marks) >= 2:
        bounds = [at for _, at in marks] + [len(words)]
        pieces = [(roman, bounds[n], bounds[n + 1]) for n, (roman, _) in enumerate(marks)]
        timed = [piece for piece in pieces
                 if phrases.rule_read(phrases.squeeze(words[piece[1]:piece[2]]), closings_recur=context.closings_recur)
                 and not _MODAL.search(words[piece[1]:piece[2]])]
        lead = phrases.squeeze(words[:marks[0][1]])
        if len(timed) >= 2 and not phrases.duration_read(lead):
            items = [(number, start, start + marks[0][1], "")]
            items += [(f"{number}({roman})", start + a, start + b, lead) for roman, a, b in pieces]
            return items
    return [(number, start, end, "")]


_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b[a-z]|Inc|Ltd|Co|Corp|No|Nos|U\.S|L\.P|Esq|St|Mr|Mrs|Ms|Dr|i\.e|e\.g|etc|Jr|Sr|N\.A|S\.A|B\.W\.I|seq)\.$"
)


def _sentences(start: int, end: int, text: str) -> list[tuple[int, int]]:
    spans, cursor = [], start
    for found in re.finditer(r"[.?!][\"”)]?\s+(?=[A-Z(\"“])", text[start:end]):
        stop = start + found.start() + 1
        if _ABBREVIATION.search(text[max(cursor, stop - 6):stop]):
            continue
        spans.append((cursor, stop))
        cursor = start + found.end()
    if cursor < end:
        spans.append((cursor, end))
    return [(a, b) for a, b in (_trim(a, b, text) for a, b in spans) if b > a]


def _trim(start: int, end: int, text: str) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _item_duties(number: str, start: int, end: int, lead_in: str, context: _Context) -> tuple[list[_Duty], bool]:
    duties: list[_Duty] = []
    had_condition = False
    for sentence_start, sentence_end in _sentences(start, end, context.text):
        words = phrases.squeeze(context.text[sentence_start:sentence_end])
        words = re.sub(r"^(?:(?:[a-zA-Z]|\d{1,2}|[ivx]+)\.\s+(?:[A-Z][^.]{0,80}\.\s+)?|\((?:[ivx]+|[a-z])\)\s+)", "", words)
        first_modal = re.search(r"\b(?:shall|will)\b", words)
        if first_modal and _CONDITION.match(words[first_modal.end():]):
            had_condition = True
            continue
        duty = _duty(number, sentence_start, sentence_end, words, lead_in, context)
        if duty is None:
            continue
        if duties and _FAILURE.search(words) and duty.reading is not None and duties[-1].obligors == duty.obligors:
            duties[-1] = _dated_by_failure(duties[-1], duty)
            continue
        duties.append(duty)
    kept = [duty for duty in duties if not _is_list_lead_in(duty)]
    return [part for duty in kept for part in _timed_parts(duty, context)], had_condition


def _timed_parts(duty: _Duty, context: _Context) -> list[_Duty]:
    """ "within 45 days ..., its quarterly statements, and within 90 days ..., its annual statements": one duty each,
    when their dates differ.

    A later part borrows the opening words it shares ("The Company shall deliver to each Purchaser,"), kept as
    its lead-in so its clause text shows them; its span is its own words.
    """
    if duty.reading is None:
        return [duty]
    parts = phrases.timed_parts(duty.words, closings_recur=context.closings_recur)
    if len(parts) < 2:
        return [duty]
    first = duty.words[parts[0][0]:parts[0][1]]
    modal = _MODAL.search(first)
    found = _obligor_and_verb(first, context.terms)
    if modal is None or found is None:
        return [duty]
    duties = [_part(duty, _ITEM_MARK.sub("", first.strip(" ,;")), duty.lead_in, _part_verb("", found[3]), context)]
    for start, end in parts[1:]:
        words = _ITEM_MARK.sub("", duty.words[start:end].strip(" ,;"))
        own = _obligor_and_verb(words, context.terms)
        if own:  # "..., and the Borrower shall deliver the title policy within 30 days ..."
            duties.append(_part(duty, words, duty.lead_in, _part_verb("", own[3]), context,
                                obligors=own[0], parties_each=own[1], negative=own[2]))
            continue
        lead_in, verb = _shared_opening(first, modal.end(), found[3], words)
        duties.append(_part(duty, words, lead_in, verb, context))
    if any(part.reading is None for part in duties) or len({repr(part.reading.rules) for part in duties}) == 1:
        return [duty]  # "on or before the Closing Date ..., and ... on or prior to the Closing Date": one date, one duty
    if not duties[0].verb.strip():  # "shall, within 45 days ... and within 90 days ..., deliver its statements"
        duties[0] = replace(duties[0], verb=duties[-1].verb)
    return duties


def _shared_opening(first: str, modal_end: int, first_verb: str, words: str) -> tuple[str, str]:
    """(lead-in, verb) of a later part that borrows the first part's opening.

    "within 90 days ..., its annual statements" borrows "The Company shall deliver to each Purchaser";
    "cause it to be declared effective within 90 days" borrows "The Company shall".
    """
    time = phrases.time_start(first, modal_end)
    if phrases.time_start(words) == 0 and time is not None:
        return _ITEM_MARK.sub("", first[:time].strip(" ,")), _part_verb(_before_time(first_verb), words)
    if phrases.time_start(words) == 0:  # "Within 45 days ..., the Company shall deliver X, and within 90 days ..., Y"
        action = first_verb.split()[0] if first_verb.split() else ""
        subject = first[:modal_end].rsplit(",", 1)[-1].strip()
        return f"{subject} {action}", _part_verb(action, words)
    verb = _SKIP_AFTER_MODAL.sub("", re.sub(r"^(?:shall|will|must|agrees? to|to)\s+", "", words))
    return first[:modal_end].strip(), _part_verb("", verb)


def _part(duty: _Duty, words: str, lead_in: str, verb: str, context: _Context, **changes) -> _Duty:
    reading = phrases.rule_read(words, restriction=changes.get("negative", duty.negative),
                                closings_recur=context.closings_recur)
    start, end = _words_span(words, duty.start, duty.end, context.text)
    return replace(duty, start=start, end=end, words=words, lead_in=lead_in, verb=verb, reading=reading,
                   penalty=phrases.penalty_read(words, damages=context.damages), **changes)


# "(b) within ...", "furnish to the Lender (a)": an item's mark at either end of its words (not "five (5)")
_ITEM_MARK = re.compile(r"^\((?:[a-z]|[ivx]+)\)\s*|\s*\((?:[a-z]|[ivx]+)\)\s*$")


def _before_time(verb: str) -> str:
    time = phrases.time_start(verb)
    return _ITEM_MARK.sub("", verb[:time] if time is not None else verb).strip(" ,")


def _part_verb(opening: str, words: str) -> str:
    """The verb and object without the time: "deliver to each Purchaser" + "within 90 days after ..., its annual
    statements" -> "deliver to each Purchaser its annual statements"."""
    time = phrases.OWN_TIME.search(words)
    if time is None:
        return f"{opening} {words}".strip()
    tail = words[time.end():]
    thing = tail[tail.find(",") + 1:] if "," in tail else ""
    head = _ITEM_MARK.sub("", words[:phrases.time_start(words)])
    return " ".join(piece.strip(" ,") for piece in (opening, head, thing) if piece.strip(" ,"))


def _words_span(words: str, start: int, end: int, text: str) -> tuple[int, int]:
    """Where squeezed words stand in text[start:end]; the whole of it when they cannot be found."""
    found = re.compile(r"\s+".join(re.escape(word) for word in words.split())).search(text, start, end)
    return (found.start(), found.end()) if found else (start, end)


def _is_list_lead_in(duty: _Duty) -> bool:
    return duty.reading is None and bool(_LIST_LEAD_IN.search(duty.words))


def _dated_by_failure(duty: _Duty, failure: _Duty) -> _Duty:
    """ "If the Company fails to provide such list within five (5) business days": the date of the duty before it."""
    return replace(duty, end=failure.end, words=f"{duty.words} {failure.words}", reading=failure.reading,
                   penalty=failure.penalty or duty.penalty, negative=False)


# --------------------------------------------------------------------------
# One duty
# --------------------------------------------------------------------------


def _duty(number: str, start: int, end: int, words: str, lead_in: str, context: _Context) -> _Duty | None:
    found = _obligor_and_verb(words, context.terms)
    if found is None and _INFINITIVE_ITEM.match(words) or found is None and lead_in and _continues_lead_in(words, lead_in):
        found = _obligor_and_verb(lead_in, context.terms)
        if found is not None:
            found = (found[0], found[1], found[2], re.sub(r"^\(\w+\)\s*", "", words))
    if found is None:
        return None
    obligors, each, negative, verb = found
    reading = phrases.rule_read(words, restriction=negative, closings_recur=context.closings_recur)
    if reading is None and negative and re.search(r"\bunless\b", words):
        reading = phrases.rule_read(words.split("unless", 1)[1], closings_recur=context.closings_recur)
    penalty = phrases.penalty_read(words, damages=context.damages)
    return _Duty(section=number, start=start, end=end, words=words, lead_in=lead_in, obligors=obligors,
                 parties_each=each, negative=negative, verb=verb, reading=reading, penalty=penalty)


def _continues_lead_in(words: str, lead_in: str) -> bool:
    return bool(_LIST_LEAD_IN.search(lead_in) or lead_in.rstrip().endswith(",")) and not _MODAL.search(words)


def _obligor_and_verb(words: str, terms: DealTerms):
    """(legal names bound, one row each?, negative?, verb phrase) for the first party that 'shall' do something."""
    previous: tuple[str, ...] = ()
    for modal in _MODAL.finditer(words):
        if re.search(r"\b(?:not|never|no)\s+$", words[:modal.start()]):
            continue  # "does not agree to hold": no duty
        subject = _subject_words(words[:modal.start()])
        names, each = _parties_named(subject, terms)
        if not names and _PRONOUN.match(subject.strip()) and previous:
            names = previous
        if not names:
            continue
        previous = names
        rest = words[modal.end():]
        modal_words = modal.group(1).lower()
        if modal_words.endswith("that"):
            continue  # "agrees that ... it will": the duty is the next modal's
        negative = "not" in modal_words or bool(re.match(r"\s*(?:,[^,]{0,200},\s*)?not\b", rest, re.I))
        after = _SKIP_AFTER_MODAL.sub("", rest.strip())
        if _NOT_A_DUTY.match(after):
            continue
        plural = bool(re.search(r"\b(?:the|all) (?:[A-Z]\w+ )?[A-Z]\w+s\b", subject)) and len(names) > 1
        return names, (each or plural), negative, after
    return None


def _subject_words(before: str) -> str:
    clause = re.split(r",|;|\bthat\b|\(|\)", before)[-1]
    clause = re.sub(r"\b(?:further|hereby|also|severally|each severally|jointly)\b", "", clause)
    return clause.strip()


def _parties_named(subject: str, terms: DealTerms) -> tuple[tuple[str, ...], bool]:
    if not subject or len(subject.split()) > 12:
        return (), False
    if _PARTY_WORDS.search(subject):
        return _principals(terms), True
    names: list[str] = []
    if not any(names_ for term, names_ in terms.terms.items() if terms.company in names_) and re.search(
            r"\b(?:Company|Borrower|Issuer)\b", subject):
        names.append(terms.company)  # the terms read from the preamble name no term for the company
    for term in sorted(terms.terms, key=len, reverse=True):
        if re.search(rf"\b{re.escape(term)}\b", subject) or re.search(rf"\b{re.escape(term.upper())}\b", subject):
            for name in terms.terms[term]:
                if name not in names:
                    names.append(name)
            subject = re.sub(rf"\b{re.escape(term)}\b", "", subject)
    return tuple(names), False


def _principals(terms: DealTerms) -> tuple[str, ...]:
    """The deal's own parties: the company and those who invest or place, not their counsel or agents."""
    names = [terms.company]
    for role, holders in terms.roles.items():
        if role in ("company_counsel", "investor_counsel", "transfer_agent", "other"):
            continue
        names.extend(name for name in holders if name not in names)
    return tuple(names)


# --------------------------------------------------------------------------
# Proposals
# --------------------------------------------------------------------------


def _proposals(duty: _Duty, context: _Context) -> list[Proposal]:
    terms = context.terms
    obligors = duty.obligors
    if all(name in _investors(terms) for name in obligors) and _EXCHANGE.match(duty.verb):
        obligors = (terms.company,)  # an exchange: the desk reminds the company, which delivers against payment
    dated = duty.reading is not None
    if duty.parties_each and len(obligors) > 1 and (dated or duty.negative):
        return [_proposal(duty, context, (name,), split=True, bound=obligors) for name in obligors]
    return [_proposal(duty, context, obligors[:1], split=False, bound=obligors[:1])]


def _investors(terms: DealTerms) -> tuple[str, ...]:
    return tuple(terms.roles.get("investor", ()))


def _proposal(duty: _Duty, context: _Context, obligors: tuple[str, ...], *, split: bool,
              bound: tuple[str, ...]) -> Proposal:
    terms = context.terms
    obligor = obligors[0] if obligors else terms.company
    words = duty.words if not duty.lead_in or _MODAL.search(duty.words) else f"{duty.lead_in} ... {duty.words}"
    record: dict = {"section": duty.section, "title": _title(duty, obligor if split else "", terms),
                    "kind": _kind(duty, words)}
    if obligor != terms.company:
        record["obligor"] = obligor
    record["beneficiaries"] = list(_beneficiaries(words, obligor, terms, bound=bound if duty.negative else (obligor,)))
    record["clause_text"] = words
    if duty.penalty and duty.reading is not None:
        record["penalty"], record["penalty_rate"] = duty.penalty
    if duty.reading is None:
        record["rules"] = [dict(STANDING_RULE) | _standing_end(words)]
        why = STANDING_WHY
    else:
        modifiers = phrases.modifiers_read(f"{duty.lead_in} {duty.words}") if duty.reading.modifiers_apply else {}
        record["rules"] = [phrases.rule_finish(rule, modifiers) for rule in duty.reading.rules]
        if duty.reading.rules[0]["kind"] == "each_event":
            record["rules"] = _per_party_kinds(record["rules"], obligor, split)
        why = _why(duty.reading, modifiers)
    return Proposal(kind="obligation", section=duty.section, span=Span(duty.start, duty.end), record=record, why=why)


def _per_party_kinds(rules: list[dict], obligor: str, split: bool) -> list[dict]:
    if not split:
        return rules
    return [rule | {"event_kind": f"{rule['event_kind']} ({obligor})"[:100]} if "event_kind" in rule else rule
            for rule in rules]


def _standing_end(words: str) -> dict:
    modifiers = phrases.modifiers_read(words)
    return {key: value for key, value in modifiers.items() if key in ("ends_with", "ends_when_notes_repaid")}


def _why(reading: phrases.RuleReading, modifiers: dict) -> str:
    why = f"'{reading.quote}'"
    if reading.reading:
        why += f": {reading.reading}"
    extras = [f"starts with '{modifiers['starts_with']}'" for _ in [0] if "starts_with" in modifiers]
    extras += [f"ends with '{modifiers['ends_with']}'" for _ in [0] if "ends_with" in modifiers]
    if modifiers.get("ends_when_notes_repaid"):
        extras.append("ends when the notes are repaid")
    return why + ("; " + "; ".join(extras) if extras else "") + "."


_KINDS = (
    ("share_reserve", r"\breserv\w*\b.*\bshares\b|\bauthorized shares\b|\bshareholder approval\b|\bReserved Amount\b"),
    ("closing", r"\bclosing\b|\bClosing\b.*\b(?:certificate|opinion|deliver)|\bopinion of\b|\bpurchase price\b"),
    ("filing", r"\bfile\b|\bForm D\b|\bqualify\b|\bregistration statement\b|\bdeclared effective\b"),
    ("notice", r"\bnotif|\bnotice\b|\badvise\b|\bpress release\b"),
    ("reporting", r"\breports?\b|\bfinancial statements?\b|\b(?:audited|unaudited|interim|annual|quarterly|monthly|"
                  r"year-end)\b[^,;.]{0,30}\bstatements\b|\bcompliance certificate\b|\bcop(?:y|ies)\b|\blist\b|\bstatements? of\b|\bbalance sheet"),
    ("payment", r"\bpay\b|\breimburse|\bpayment\b|\bfee\b"),
)


def _kind_words(duty: _Duty) -> str:
    """The duty's words, and its verb where it borrows one ("shall, within 45 days ..., and within 90 days ..., deliver")."""
    return duty.words if duty.verb.strip() in duty.words else f"{duty.verb} {duty.words}"


def _kind(duty: _Duty, words: str) -> str:
    if duty.reading is None:
        return "standing_covenant"
    if duty.negative:
        return "negative_covenant"
    if re.search(r"\bbreach", duty.words) and re.search(r"\bshall pay\b", duty.words):
        return "other"
    for kind, pattern in _KINDS:
        if re.search(pattern, _kind_words(duty) if kind != "share_reserve" else words):
            return kind
    return "other"


_TITLE_STOP = re.compile(
    r"[;:(]|\s(?:within|on or before|on or prior to|no later than|not later than|at least|not less than|promptly|"
    r"as soon as|so long as|until|during|provided|prior to|in accordance with|pursuant to)\b",
    re.I,
)
_TIME_WORDS = (r"(?:within|on or before|on or prior to|no later than|not later than|at least|not less than|promptly|"
               r"as soon as|contemporaneously|concurrently|simultaneously|at the time|upon|after|during|at all times)\b")
_TRAILING = re.compile(r"(?:\s+(?:and|or|of|the|to|a|an|with|at|every|each|in|for|by|as|on|from|such|its|any|all))+$", re.I)


def _title(duty: _Duty, split_obligor: str, terms: DealTerms) -> str:
    """A short name from the duty's own words: its verb and object, without the time words."""
    words = re.sub(rf"^(?:and\s+)?{_TIME_WORDS}[^,]*,\s*", "", duty.verb.strip(), flags=re.I)
    words = re.sub(rf",\s*{_TIME_WORDS}[^,]*,", " ", words, flags=re.I)
    words = re.sub(r"^(?:not\s+|to\s+|and\s+|,\s*)+", "", words.strip(" ,"), flags=re.I)
    cut = _TITLE_STOP.search(words)
    if cut and len(words[:cut.start()].split()) >= 3:
        words = words[:cut.start()]
    comma = words.find(",")
    if comma > 0 and len(words[:comma].split()) >= 3:
        words = words[:comma]
    title = _TRAILING.sub("", " ".join(words.split()[:10])).strip(" ,.;:")
    title = ("No: " if duty.negative else "") + (title[:1].upper() + title[1:] if title else "Duty")
    if split_obligor:
        title += f" ({split_obligor})"
    return title[:120]


def _beneficiaries(words: str, obligor: str, terms: DealTerms, *, bound: tuple[str, ...]) -> tuple[str, ...]:
    """The counterparty the words name; else the investors (or, for an investor's duty, the company).

    Parties bound together by a restriction ("the Buyers will not") owe it to the company, not to each other.
    """
    named: list[str] = []
    for term in sorted(terms.terms, key=len, reverse=True):
        if re.search(rf"\b{re.escape(term)}\b", words):
            named.extend(name for name in terms.terms[term] if name not in bound and name != obligor and name not in named)
            words = re.sub(rf"\b{re.escape(term)}\b", "", words)
    if named:
        return tuple(named)
    if obligor in _investors(terms):
        return (terms.company,)
    return _investors(terms) or tuple(name for name in _principals(terms) if name != obligor)


def _unique_titles(proposals: list[Proposal]) -> list[Proposal]:
    seen: dict[tuple[str, str], int] = {}
    unique = []
    for proposal in proposals:
        key = (proposal.section, proposal.record["title"].lower())
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            record = proposal.record | {"title": f"{proposal.record['title']} ({seen[key]})"}
            proposal = replace(proposal, record=record)
        unique.append(proposal)
    return unique


# --------------------------------------------------------------------------
# Sections passed over
# --------------------------------------------------------------------------


def _pass_reason(section: Section, own_words: str, lead_in: str, conditions: bool, has_children: bool) -> str:
    words = f"{section.heading} {own_words[:600]}"
    for label, pattern in _BOILERPLATE:
        if re.search(pattern, words, re.I):
            return f"Boilerplate: {label}"
    if re.search(r"\brepresents?,? (?:and )?warrants?\b|\brepresentations and warranties\b|\backnowledges?\b|\bunderstands\b",
                 f"{section.heading} {lead_in} {own_words}", re.I):
        return "Representation: nothing to track"
    if re.search(r"\"[^\"]+\"\s+(?:means|shall mean|has the meaning)", own_words):
        return "Definitions"
    if conditions:
        return "Closing condition: a checklist item, not a dated duty"
    if has_children:
        return "Heading: its items are read one by one"
    return ""
