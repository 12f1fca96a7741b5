"""The deal, its parties, their notice addresses and roles, and its instruments, read from the words.

    preamble        agreement name, date, the parties and the defined terms that name them
                    ("CalbaTech, Inc., a Nevada corporation ... (the "Company")")
    signature pages each signer with its people ("By: /s/ ...", "Title: ..."), residence and address
    notices         each "If to ..." block and its "with a copy to" counsel, the delivery methods
    governing law   the state whose laws govern, and the forum sentence
    recitals, body  notes, warrants, tranches, the capitalization paragraph, an equity line

`deal_proposals` works from the sections it is given ("Preamble", "Signatures", numbered ones)
and searches the text itself when a preamble or signature section is missing. Everything here
reads patterns of language, never names of particular parties.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from dealdesk.intake import numbers
from dealdesk.intake.reading import DealTerms, Proposal, Section, Span

# ---------------------------------------------------------------------------------------------
# Words of the trade

# A legal name's last words when it names an entity: "Inc.", "LLC", "L.P.", "Ltd." ...
_SUFFIX = (
    r"(?:Inc\.?|Incorporated|Corp\.?|Corporation|LLC|L\.L\.C\.|LLP|L\.L\.P\.|LP|L\.P\.|Ltd\.?|"
    r"Limited|N\.A\.|PLC|plc|GmbH|AG|S\.A\.|B\.V\.|N\.V\.|Co\.)"
)
_SUFFIX_ONLY = re.compile(rf"{_SUFFIX}", re.I)
_ENDS_WITH_SUFFIX = re.compile(rf"(?:,\s*|\s+){_SUFFIX}$", re.I)
_FORM_OF_SUFFIX = (
    (re.compile(r"^(?:LLC|L\.L\.C\.)$", re.I), "llc"),
    (re.compile(r"^(?:LLP|L\.L\.P\.)$", re.I), "llp"),
    (re.compile(r"^(?:LP|L\.P\.)$", re.I), "lp"),
    (re.compile(r"^(?:Ltd\.?|Limited|PLC)$", re.I), "limited"),
    (re.compile(r"^(?:Inc\.?|Incorporated|Corp\.?|Corporation|Co\.|GmbH|AG|S\.A\.|B\.V\.|N\.V\.)$", re.I), "corporation"),
)
# "a Delaware limited liability company", "a Nevada corporation", "an individual"
_FORM_OF_DESCRIPTION = (
    ("limited liability company", "llc"),
    ("limited liability partnership", "llp"),
    ("limited partnership", "lp"),
    ("exempted company", "limited"),
    ("limited company", "limited"),
    ("corporation", "corporation"),
    ("individual", "individual"),
    ("banking association", "other"),
    ("trust", "other"),
)
_DESCRIPTION_FORM_WORDS = re.compile(
    r"\s+(?:limited liability company|limited liability partnership|limited partnership|exempted company|"
    r"limited company|corporation|company|business trust|statutory trust|trust|banking association|bank|"
    r"partnership)\b.*$",
    re.I,
)

# A defined term -> the part the desk records ("company", "investor", ...); others are "other".
_ROLE_OF_TERM = {
    "company": "company", "issuer": "company", "borrower": "company",
    "investor": "investor", "buyer": "investor", "purchaser": "investor", "lender": "investor",
    "holder": "investor", "subscriber": "investor", "noteholder": "investor",
    "placement agent": "placement_agent", "transfer agent": "transfer_agent",
}
_KNOWN_TERMS = (
    "Company", "Issuer", "Borrower", "Investor", "Investors", "Buyer", "Buyers", "Purchaser",
    "Purchasers", "Lender", "Lenders", "Holder", "Holders", "Subscriber", "Subscribers",
    "Placement Agent", "Transfer Agent", "Administrative Agent", "Collateral Agent", "Agent",
    "Guarantor", "Guarantors",
)
_COUNSEL_ROLE = {"company": "company_counsel", "investor": "investor_counsel"}

# (the "Company"), (this "Agreement"), (each a "Buyer" and collectively the "Buyers")
_DEFINITION = re.compile(r"\((?P<before>[^()\"“”]{0,60})[\"“](?P<term>[^\"”]{1,60})[\"”](?P<rest>[^()]{0,120})\)")
# ", as Borrower", ", as Administrative Agent"
_AS_ROLE = re.compile(r",\s+as\s+(?:the\s+)?(?P<term>[A-Z][\w-]*(?:\s+[A-Z][\w-]*){0,3})(?=\s*[,;.(]|\s+and\b|$)")
_PARTY_LIST_START = re.compile(r"\b(?:by and (?:among|between)|among|between|by|the undersigned)\b[,:]?\s*", re.I)
# "each of the purchasers set forth on the signature pages hereto", "the Lenders party hereto",
# "each purchaser identified on the signature pages hereto"
_COLLECTIVE = re.compile(
    r"(?:(?:each of |each |all of )?the |each )(?:several |various )?(?P<what>[\w ,]*?)\b"
    r"(?:set forth|listed|named|identified|party|parties|from time to time|signatory|signatories)\b"
    r"[^;()]*?(?:hereto|signature pages?|(?-i:Schedule|Exhibit|Annex) [\w.-]+|this Agreement)"
    r"(?:\s+(?:as|at|on|in)\s+(?-i:Schedule|Exhibit|Annex|Appendix)\s+[\w.-]+)?",
    re.I,
)
_PERSON = re.compile(r"^[A-Z][a-z][a-zA-Z'’-]*\.?(?:\s+(?:[A-Z]\.|[A-Z][a-z][a-zA-Z'’-]*\.?|de|van|von|da)){1,3}$")
_ENTITY_WORDS = re.compile(
    r"\b(?:Bank|Trust|Fund|Partners|Capital|Group|Association|Holdings|Ventures|Company|Corporation)\b", re.I
)
_PERSON_OF_LAW = re.compile(r",\s*(?:Attorney at Law|Esq\.?|Attorney)$", re.I)
_ROMAN = re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X)$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "the", "to", "with"}

# Notice addresses
_LABEL = re.compile(
    r"^(?P<label>Attention|Attn\.?|Tel(?:ephone)?\.?(?:\s+No\.?)?|Phone|Fax\.?(?:\s+No\.?)?|Facsimile(?:\s+No\.?)?|"
    r"Telecop(?:y|ier)(?:\s+No\.?)?|E-?mail|Electronic mail)\s*[:.]?\s*(?P<value>.*)$",
    re.I,
)
_FIELD_OF_LABEL = (("att", "attention"), ("fa", "fax"), ("telecop", "fax"), ("tel", "phone"),
                   ("phone", "phone"), ("e", "email"))
_CITY_LINE = re.compile(
    r"^(?P<city>[A-Za-z][A-Za-z .'’-]*?),\s*(?P<region>[A-Za-z][A-Za-z .]*?)\.?,?\s+"
    r"(?P<postal>\d{5}(?:-\d{4})?|[A-Z]\d[A-Z]\s?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})"
    r"(?:,?\s*(?P<country>[A-Za-z][A-Za-z .]*))?$"
)
_PO_BOX = re.compile(r"^(?:P\.?\s?O\.?\s*Box|Post Office Box)\b", re.I)
_US = re.compile(r"^(?:U\.?S\.?A?\.?|United States(?: of America)?)$", re.I)
_COUNTRY_LINE = re.compile(
    r"^(?:U\.?S\.?A\.?|United States(?: of America)?|Canada|United Kingdom|England|Israel|Germany|France|"
    r"Switzerland|Cayman Islands|British Virgin Islands|Bermuda|Hong Kong|China|Japan|Australia)$",
    re.I,
)
# "If to the Company:", "If to Placement Agent, to:", "If to the Borrower, to it at:"
# "(a) if to the Borrower, to it at 500 Harbor Drive, ..., Attention: Treasurer; and": the address on
# the same line, in a lettered list (a credit agreement's notices section)
_IF_TO_AT = re.compile(
    r"^(?:\(\w{1,4}\)\s*)?If\s+to\s+(?:the\s+|a\s+|an\s+|any\s+)?(?P<term>[^:,]+?),\s*"
    r"(?:to\s+(?:it|him|her|them)\s+at|to|at)\s+(?P<rest>(?:\d|[A-Z])[^:]*(?::.*)?)$",
    re.I,
)
_IF_TO = re.compile(
    r"^(?:\(\w{1,4}\)\s*)?If\s+to\s+(?:the\s+|a\s+|an\s+|any\s+)?(?P<term>[^:,]+?)(?:\s*,[^:]*)?\s*:\s*(?P<rest>.*)$",
    re.I,
)
_CLAUSE_TAIL = re.compile(r"\s*(?:;\s*(?:and|or)?|(?<=[a-z0-9])\.)\s*$")
_COPY_TO = re.compile(r"^(?:with|and)\s+(?:a\s+)?cop(?:y|ies)\b[^:]*?(?:to)?\s*:\s*(?P<rest>.*)$", re.I)
_NOTICE_END = re.compile(r"^(?:or\s+(?:to|at)\s+such|Each party|Any party|[A-Z]\.\s|\(?[a-z]{1,3}\)\s|\d+(?:\.\d+)*\.\s)")

# Signature pages
_SIG_RULE = re.compile(r"^[-_=\s]{3,}$")
_SIG_BY = re.compile(r"^By\b\s*:?\s*(?P<rest>.*)$", re.I)
_SIG_NAME = re.compile(r"^(?:Name|Print Name)\s*:\s*(?P<value>.+)$", re.I)
_SIG_TITLE = re.compile(r"^(?:Title|Its)\s*:\s*(?P<value>.+)$", re.I)
_SIG_RESIDENCE = re.compile(
    r"^(?:Residence|Jurisdiction(?: of (?:organization|incorporation))?|State of (?:organization|incorporation))"
    r"\s*:\s*(?P<value>.+)$",
    re.I,
)
# "Name of Purchaser: Cobalt Fund, L.P.", "Legal Name of Investor: ...": a signer of a counterpart page
_SIG_PARTY_NAME = re.compile(
    r"^(?:Legal\s+|Exact\s+|Full\s+)?Name\s+of\s+(?P<term>[A-Z][A-Za-z]*(?:\s+[A-Z][A-Za-z]*)?)"
    r"(?:\s+Entity)?\s*:\s*(?P<value>\S.*)$"
)
_SIG_FIELDS = re.compile(r"[-_=]{3,}\s*(?:Name\s*:\s*(?P<name>.*?))?\s*(?:Title\s*:\s*(?P<title>.*?))?\s*", re.I)
_SIG_ADDRESS = re.compile(r"^(?:Address(?: for notices?)?)\s*:\s*(?P<value>.*)$", re.I)
_SIG_LABEL = re.compile(r"^[A-Z][A-Za-z ]{1,40}:")
# "FIRST NATIONAL BANK, N.A., as Administrative Agent and as a Lender"
_SIGNING_AS = re.compile(
    r"^(?P<name>[A-Z][^,]*(?:,\s*[A-Z][\w.]*)*?),?\s+as\s+(?:an?\s+|the\s+)?"
    r"(?P<term>[A-Z][\w]*(?:\s+[A-Z][\w]*)*)(?:\s+and\s+as\s+.*)?$"
)


# ---------------------------------------------------------------------------------------------
# The text, whitespace collapsed, with the way back to the agreement's own offsets


class _Flat:
    """A stretch of the text with each run of whitespace as one space; `span` maps back."""

    def __init__(self, text: str, start: int = 0, end: int | None = None) -> None:
        end = len(text) if end is None else end
        chars: list[str] = []
        self.offsets: list[int] = []
        space = False
        for index in range(start, end):
            char = text[index]
            if char.isspace():
                space = bool(chars)
                continue
            if space:
                chars.append(" ")
                self.offsets.append(index - 1)
                space = False
            chars.append(char)
            self.offsets.append(index)
        self.text = "".join(chars)

    def span(self, start: int, end: int) -> Span:
        if not self.offsets:
            return Span(0, 0)
        start, end = min(start, len(self.offsets) - 1), min(end, len(self.offsets))
        if end <= start:
            return Span(self.offsets[start], self.offsets[start])
        return Span(self.offsets[start], self.offsets[end - 1] + 1)


@dataclass(frozen=True)
class _Line:
    text: str  # whitespace collapsed
    span: Span  # the line's words in the agreement text


def _lines(text: str, span: Span) -> list[_Line]:
    """The lines of a stretch, each collapsed; an empty line keeps an empty text."""
    lines = []
    position = span.start
    for raw in text[span.start:span.end].split("\n"):
        stripped = raw.strip()
        start = position + (raw.index(stripped) if stripped else 0)
        lines.append(_Line(" ".join(stripped.split()), Span(start, start + len(stripped))))
        position += len(raw) + 1
    return lines


def _key(name: str) -> str:
    """A legal name for comparison: entity suffixes, case, spacing and punctuation ignored."""
    name = name.strip().rstrip(",")
    while True:
        shorter = _ENDS_WITH_SUFFIX.sub("", name).rstrip(", ")
        if shorter == name or not shorter:
            break
        name = shorter
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _short_name(name: str) -> str:
    shorter = _ENDS_WITH_SUFFIX.sub("", name.strip()).rstrip(", ")
    return shorter or name


def _is_caps(text: str) -> bool:
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and all(char.isupper() for char in letters)


class _Casing:
    """How the agreement writes a word where it does not shout it: "AJW", "Partners", "of"."""

    def __init__(self, text: str) -> None:
        self.forms: dict[str, str] = {}
        self.counts: Counter = Counter()
        upper: dict[str, str] = {}
        for line in text.splitlines():
            if _is_caps(line) or not line.strip():
                continue
            words = re.findall(r"[A-Za-z][A-Za-z'’-]*", line)
            for index, word in enumerate(words):
                self.counts[word] += 1
                if word.islower():
                    continue
                if not word.isupper() or len(word) == 1:
                    self.forms.setdefault(word.lower(), word)
                elif not _shouted(words, index):
                    upper.setdefault(word.lower(), word)  # "AJW Offshore": an acronym among ordinary words
        for lower, word in upper.items():
            self.forms.setdefault(lower, word)

    def phrase(self, shouted: str) -> str:
        """ "BY ITS GENERAL PARTNER ACME, LLC" -> "By its general partner Acme, LLC": the usual form of each word."""
        if not _is_caps(shouted):
            return shouted
        words = re.split(r"(\s+)", shouted)
        usual = []
        for index, word in enumerate(words):
            lower = word.lower()
            if index and lower.isalpha() and self.counts[lower] > self.counts[lower.capitalize()]:
                usual.append(lower)
            else:
                usual.append(self.name(word))
        return "".join(usual)

    def name(self, shouted: str) -> str:
        """ "AJW OFFSHORE, LTD." -> "AJW Offshore, Ltd."."""
        if not _is_caps(shouted):
            return shouted
        return re.sub(r"[A-Za-z][A-Za-z.'’-]*", lambda m: self._word(m.group(0)), shouted)

    def _word(self, word: str) -> str:
        bare = word.rstrip(".")
        if _ROMAN.match(bare) or re.fullmatch(r"(?:[A-Z]\.)+", word) or bare in ("LLC", "LLP", "LP", "PLC", "USA"):
            return word
        known = self.forms.get(bare.lower())
        if known and (known.isupper() or known[0].isupper()):
            return known + word[len(bare):]
        return word[0] + word[1:].lower()


def _shouted(words: list[str], index: int) -> bool:
    """Whether a capitalised word stands beside another: "ACME WIDGETS CORP.", "ACME CORP., a Delaware"
    shout a name; "AJW Offshore" keeps an acronym."""
    def caps(i: int) -> bool:
        return 0 <= i < len(words) and len(words[i]) > 1 and words[i].isupper()
    return caps(index - 1) or caps(index + 1)


def _title_case(shouted: str) -> str:
    """ "PLACEMENT AGENT AGREEMENT" -> "Placement Agent Agreement"."""
    words = shouted.split()
    return " ".join(
        word.lower() if index and word.lower() in _SMALL_WORDS else word[0].upper() + word[1:].lower()
        for index, word in enumerate(words)
    )


def _canonical_term(raw: str) -> str:
    """ "COMPANY" -> "Company", "PLACEMENTAGENT" -> "Placement Agent"."""
    squashed = re.sub(r"[^a-z]", "", raw.lower())
    for term in _KNOWN_TERMS:
        if re.sub(r"[^a-z]", "", term.lower()) == squashed:
            return term
    return _title_case(raw) if _is_caps(raw) else raw.strip()


def _singular(term: str) -> str:
    return term[:-1] if term.endswith("s") and not term.endswith("ss") else term


def _role_of(term: str) -> str:
    return _ROLE_OF_TERM.get(_singular(term).lower(), "other")


# ---------------------------------------------------------------------------------------------
# Parties as they are found


@dataclass
class _Party:
    legal_name: str
    span: Span
    section: str
    found: str  # where it was named, for the "why"
    form: str = ""
    jurisdiction: str = ""
    people: list[dict] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    role: str = ""
    role_span: Span | None = None
    signatory: str = ""
    signed_by_way_of: str = ""
    copy_to: list[str] = field(default_factory=list)


class _Book:
    """The parties found so far, one per legal name however the agreement spells it."""

    def __init__(self, casing: _Casing) -> None:
        self.parties: list[_Party] = []
        self.casing = casing
        self.collective: dict[str, Span] = {}  # terms naming the signers of the signature pages

    def find(self, name: str) -> _Party | None:
        key = _key(name)
        return next((party for party in self.parties if key and _key(party.legal_name) == key), None)

    def add(self, *, name: str, span: Span, section: str, found: str) -> _Party:
        party = self.find(name)
        if party:
            return party
        party = _Party(legal_name=self.casing.name(name), span=span, section=section, found=found)
        self.parties.append(party)
        return party

    def with_term(self, term: str) -> list[_Party]:
        return [party for party in self.parties if _singular(term) in {_singular(t) for t in party.terms}]

    def with_role(self, role: str) -> list[_Party]:
        return [party for party in self.parties if party.role == role]


def _set_person(party: _Party, name: str, title: str = "") -> None:
    for person in party.people:
        if person["name"] == name:
            if title and not person.get("title"):
                person["title"] = title
            return
    party.people.append({"name": name, **({"title": title} if title else {})})


def _form_and_jurisdiction(name: str, description: str) -> tuple[str, str]:
    """From "a Nevada corporation" first, else from the name's last word ("LLC" -> llc)."""
    lowered = description.lower()
    form = next((form for words, form in _FORM_OF_DESCRIPTION if words in lowered), "")
    jurisdiction = ""
    laws = re.search(r"laws of (?:the )?(?:State of |Commonwealth of |Province of )?([A-Z][\w ]+?)(?:[,;.]|$)", description)
    if laws:
        jurisdiction = laws.group(1).strip()
    elif form and form != "individual":
        placed = re.match(r"^an?\s+(.+?)$", _DESCRIPTION_FORM_WORDS.sub("", description.strip()))
        if placed and all(word[0].isupper() for word in placed.group(1).split()):
            jurisdiction = placed.group(1)
    if not form:
        suffix = re.search(rf"{_SUFFIX}$", name.strip().rstrip(","), re.I)
        if suffix:
            form = next((form for pattern, form in _FORM_OF_SUFFIX if pattern.match(suffix.group(0))), "")
    if not form:
        bare = _PERSON_OF_LAW.sub("", name.strip())
        form = "individual" if _PERSON.match(bare) and not _ENTITY_WORDS.search(bare) else "other"
    return form, jurisdiction


# ---------------------------------------------------------------------------------------------
# Where things are


def _section_at(sections: tuple[Section, ...], position: int) -> str:
    """The deepest numbered section holding a position; "" in the preamble or signature pages."""
    holding = [
        section for section in sections
        if section.span.start <= position < section.span.end and section.number not in ("Preamble", "Signatures")
    ]
    return min(holding, key=lambda s: s.span.end - s.span.start).number if holding else ""


def _named_section(sections: tuple[Section, ...], number: str) -> Section | None:
    return next((section for section in sections if section.number == number), None)


def _first_numbered_start(text: str, sections: tuple[Section, ...]) -> int:
    numbered = [s.span.start for s in sections if s.number not in ("Preamble", "Signatures")]
    if numbered:
        return min(numbered)
    found = re.search(
        r"^\s*(?:WHEREAS|RECITALS|W\s?I\s?T\s?N\s?E\s?S\s?S\s?E\s?T\s?H|BACKGROUND|ARTICLE\s+I\b|(?:Section\s+)?1\.\s)",
        text, re.M | re.I,
    )
    return found.start() if found else min(len(text), 3000)


def _preamble_span(text: str, sections: tuple[Section, ...]) -> Span:
    """From the start of the text to the end of the preamble: the title lines come with it."""
    preamble = _named_section(sections, "Preamble")
    if preamble:
        return Span(0, preamble.span.end)
    return Span(0, _first_numbered_start(text, sections))


def _signatures_span(text: str, sections: tuple[Section, ...]) -> Span | None:
    signatures = _named_section(sections, "Signatures")
    if signatures:
        return signatures.span
    witness = list(re.finditer(r"IN\s+WITNESS\s+WHEREOF", text, re.I))
    return Span(witness[-1].start(), len(text)) if witness else None


def _intro_span(text: str, sections: tuple[Section, ...]) -> Span:
    """The preamble, the recitals and the first numbered section: where a deal says what it sells."""
    recitals = [s for s in sections if s.number.startswith("Recital")]
    first = next((s for s in sections if s.number not in ("Preamble", "Signatures") and not s.number.startswith("Recital")), None)
    if first:
        return Span(0, first.span.end)
    end = re.search(r"^\s*2\.\s", text, re.M)
    return Span(0, max([end.start() if end else min(len(text), 12000), *[s.span.end for s in recitals]]))


# ---------------------------------------------------------------------------------------------
# Proposals


@dataclass
class _Proposals:
    sections: tuple[Section, ...]
    items: list[Proposal] = field(default_factory=list)

    def add(self, kind: str, span: Span, record: dict, why: str, section: str | None = None) -> None:
        number = _section_at(self.sections, span.start) if section is None else section
        self.items.append(Proposal(kind=kind, section=number, span=span, record=record, why=why))


def deal_proposals(*, text: str, sections: tuple[Section, ...]) -> tuple[list[Proposal], DealTerms]:
    """The deal, parties, addresses, roles, notice methods and instruments the agreement's words state.

    Steps: the preamble names the parties and their defined terms; the signature pages add the
    signers and their people; the notices section adds the addresses and the counsel copied;
    then the deal's own fields and its instruments. Each proposal carries the words it came from.
    """
    proposals = _Proposals(sections=sections)
    book = _Book(_Casing(text))
    preamble = _preamble_span(text, sections)
    _read_preamble(text, preamble, book)
    addresses: list[tuple[_Party, dict, Span, str]] = []
    signatures = _signatures_span(text, sections)
    if signatures:
        addresses += _read_signatures(text, signatures, book)
    _read_schedules(text, book)
    notices = _read_notices(text, sections, book, proposals)
    addresses += notices
    deal = _read_deal(text, sections, preamble, book, proposals)
    _propose_parties(book, addresses, proposals)
    _read_instruments(text, sections, book, deal, proposals)
    return proposals.items, _deal_terms(book)


def _deal_terms(book: _Book) -> DealTerms:
    terms: dict[str, tuple[str, ...]] = {}
    roles: dict[str, tuple[str, ...]] = {}
    for party in book.parties:
        variants = {variant for term in party.terms for variant in (term, _singular(term))}
        variants |= {plural for plural in book.collective if _singular(plural) in variants}
        for variant in sorted(variants):
            terms[variant] = (*terms.get(variant, ()), party.legal_name)
        if party.role:
            roles[party.role] = (*roles.get(party.role, ()), party.legal_name)
    companies = roles.get("company", ())
    return DealTerms(company=companies[0] if companies else "", terms=terms, roles=roles)


def _propose_parties(book: _Book, addresses: list[tuple[_Party, dict, Span, str]], proposals: _Proposals) -> None:
    for party in book.parties:
        record = {"legal_name": party.legal_name, "form": party.form or "other"}
        if party.jurisdiction:
            record["jurisdiction"] = party.jurisdiction
        if party.people:
            record["people"] = [dict(person) for person in party.people]
        proposals.add("party", party.span, record, f"{party.legal_name} is named {party.found}.", section=party.section)
    for party, record, span, why in addresses:
        proposals.add("address", span, {"party": party.legal_name, **record}, why)
    for party in book.parties:
        if not party.role:
            continue
        record = {"party": party.legal_name, "role": party.role}
        if party.signatory:
            record["signatory"] = party.signatory
        if party.signed_by_way_of:
            record["signed_by_way_of"] = party.signed_by_way_of
        if party.copy_to:
            record["copy_to"] = list(party.copy_to)
        terms = f' (the "{party.terms[0]}")' if party.terms else ""
        proposals.add("role", party.role_span or party.span, record,
                      f"{party.legal_name}{terms} plays the part of {party.role.replace('_', ' ')}.")


# ---------------------------------------------------------------------------------------------
# Preamble


def _read_preamble(text: str, preamble: Span, book: _Book) -> None:
    """Each party the opening paragraph names, with the defined term it goes by."""
    flat = _Flat(text, preamble.start, preamble.end)
    body = flat.text
    self_definition = re.search(r"\(\s*(?:this|the)\s+[\"“]Agreement[\"”]\s*\)", body)
    start_from = self_definition.end() if self_definition else 0
    opener = _PARTY_LIST_START.search(body, start_from)
    cursor = opener.end() if opener else start_from
    enders = sorted(
        [("definition", m) for m in _DEFINITION.finditer(body, cursor)] + [("as", m) for m in _AS_ROLE.finditer(body, cursor)],
        key=lambda item: item[1].start(),
    )
    index = 0
    while index < len(enders):
        how, match = enders[index]
        terms = _terms_of(how, match)
        end = match.end()
        # ", as Administrative Agent (in such capacity, the "Agent")": one party, two terms
        if how == "as" and index + 1 < len(enders) and enders[index + 1][0] == "definition" \
                and not body[match.end():enders[index + 1][1].start()].strip(" ,"):
            terms += _terms_of("definition", enders[index + 1][1])
            end = enders[index + 1][1].end()
            index += 1
        index += 1
        entry = body[cursor:match.start()]
        entry_start = cursor
        cursor = end
        if _SENTENCE_END.search(entry):
            break  # the list of parties is over: what follows defines other things
        if not terms or terms == ["Agreement"]:
            continue
        collective = _COLLECTIVE.search(entry)
        if collective:
            named_after = re.search(r"[A-Z]", entry[collective.end():])
            for term in _collective_terms(collective) if named_after else terms:
                book.collective[term] = flat.span(entry_start + collective.start(), entry_start + collective.end())
            entry_start += collective.end()
            entry = entry[collective.end():]
            if not entry.strip(" ,;"):
                continue
        _party_from_entry(entry, entry_start, terms, flat, book, flat.span(match.start(), end))


# A full stop that ends a sentence, not one that ends "Inc." or "L.P."
_SENTENCE_END = re.compile(r"(?<![A-Z]\.)(?<!Inc\.)(?<!Ltd\.)(?<!Corp\.)(?<!Co\.)(?<!\b[A-Z])[.:]\s+[A-Z]")


def _terms_of(how: str, match: re.Match) -> list[str]:
    if how == "as":
        return [_canonical_term(match.group("term"))]
    if re.search(r"\bthis\s*$", match.group("before"), re.I):
        return ["Agreement"]
    quoted = [match.group("term"), *re.findall(r"[\"“]([^\"”]+)[\"”]", match.group("rest"))]
    return [_canonical_term(term) for term in quoted]


def _collective_terms(collective: re.Match) -> list[str]:
    words = [word for word in collective.group("what").split() if word[:1].isupper()]
    return [_canonical_term(" ".join(words))] if words else []


def _party_from_entry(entry: str, entry_start: int, terms: list[str], flat: _Flat, book: _Book, term_span: Span) -> None:
    """ ", and Dutchess Private Equities Fund, L.P., a Delaware Limited Partnership" -> the party."""
    joining = re.match(r"^(?:[\s,;:]+|(?:(?:and|with|hereby|agrees|agree|by|among|between|of|the undersigned,?)\b\s*))*", entry, re.I)
    offset = joining.end() if joining else 0
    parts = entry[offset:].split(",")
    name_parts = [parts[0]]
    for part in parts[1:]:
        if _SUFFIX_ONLY.fullmatch(part.strip()):
            name_parts.append(part)
        else:
            break
    name = ",".join(name_parts).strip()
    if not name or not name[0].isupper() or len(name.split()) > 10:
        return
    description = ",".join(parts[len(name_parts):]).strip()
    described = re.match(r"^(an?\s+[^,]+)", description)
    form, jurisdiction = _form_and_jurisdiction(name, described.group(1) if described else "")
    name_start = entry_start + offset + entry[offset:].index(name)
    party = book.add(name=name, span=flat.span(name_start, name_start + len(name)), section="",
                     found="in the preamble")
    party.form = party.form or form
    party.jurisdiction = party.jurisdiction or jurisdiction
    for term in terms:
        if term not in party.terms:
            party.terms.append(term)
    party.role = party.role or next((_role_of(term) for term in terms if _role_of(term) != "other"), "other")
    party.role_span = party.role_span or term_span


# ---------------------------------------------------------------------------------------------
# Signature pages


@dataclass
class _Signer:
    name: str = ""
    name_span: Span | None = None
    role_term: str = ""
    by_way_of: str = ""
    person: str = ""
    person_span: Span | None = None
    title: str = ""
    residence: str = ""
    address: list[_Line] = field(default_factory=list)


def _read_signatures(text: str, span: Span, book: _Book) -> list[tuple[_Party, dict, Span, str]]:
    """Each signer of the signature pages: its people, its residence, the address below its name."""
    signers = _signers(_lines(text, span), book)
    addresses = []
    for signer in signers:
        if not signer.name and signer.person and signer.person_span:
            signer.name, signer.name_span = signer.person, signer.person_span  # an individual signs for himself
        if not signer.name:
            continue
        known = book.find(signer.name)
        party = known or book.add(name=signer.name, span=signer.name_span, section="", found="on the signature pages")
        if not known:
            description = "an individual" if signer.name == signer.person and not _ENDS_WITH_SUFFIX.search(signer.name) else ""
            party.form, _ = _form_and_jurisdiction(signer.name, description)
        if signer.person:
            _set_person(party, signer.person, signer.title)
            party.signatory = party.signatory or signer.person
        party.signed_by_way_of = party.signed_by_way_of or signer.by_way_of
        if signer.residence and not party.jurisdiction:
            party.jurisdiction = signer.residence
        term = signer.role_term or next(iter(book.collective), "")
        if term and not party.terms:
            party.terms.append(term)
        if not party.role:
            party.role = _role_of(term) if term else "other"
            party.role_span = book.collective.get(term)
        if signer.address:
            record = _address_record(signer.address, party, book, residence=signer.residence)
            if record:
                where = Span(signer.address[0].span.start, signer.address[-1].span.end)
                addresses.append((party, record, where, f"The address printed below {party.legal_name}'s name on its signature page."))
    return addresses


def _signers(lines: list[_Line], book: _Book) -> list[_Signer]:
    pages = _SignaturePages(book)
    for line in lines:
        pages.read(line)
    return pages.signers


class _SignaturePages:
    """Reads signature pages line by line: a role heading ("INVESTOR:"), a name, "By:", the signer's
    name and title under the signature line, then "RESIDENCE:" and "ADDRESS:" where they are printed."""

    def __init__(self, book: _Book) -> None:
        self.book = book
        self.signers: list[_Signer] = []
        self.current: _Signer | None = None
        self.pending_term = ""  # the role heading waiting for its signer
        self.mode = ""  # "address": lines of an address; "by": a "By its general partner ..." goes on; "skip": amounts
        self.expect = ""  # after a signature line: "person", then "title"

    def read(self, line: _Line) -> None:
        value = line.text
        if not value:
            self.mode = "" if self.mode in ("address", "by", "skip") else self.mode
            return
        if self._heading(value) or self._continued(line):
            return
        self.mode = "" if self.mode in ("address", "by") else self.mode
        if self._party_named(line) or self._signature(line) or self._labelled(line):
            return
        if _SIG_LABEL.match(value) or value.startswith("$") or re.match(r"^(?:Aggregate|Number of)\b", value, re.I):
            self.mode = "skip" if value.endswith(":") else self.mode
            return
        if self.mode == "skip" or self._new_signer(line):
            return
        self._person_or_title(value, line)

    def _start(self, **fields) -> _Signer:
        self.current = _Signer(**fields)
        self.signers.append(self.current)
        self.pending_term, self.expect = "", ""
        return self.current

    def _heading(self, value: str) -> bool:
        header = re.fullmatch(r"[\"“]?([A-Za-z][A-Za-z ]{1,40})[\"”]?:", value)
        if not (header and _is_role_header(header.group(1), self.book)):
            return False
        self.pending_term = _canonical_term(header.group(1))
        self.current, self.mode, self.expect = None, "", ""
        return True

    def _continued(self, line: _Line) -> bool:
        """A line of an address, or of a "By its general partner ..." that runs on."""
        value = line.text
        if self.mode == "address" and (not _SIG_LABEL.match(value) or _LABEL.match(value)):
            self.current.address.append(line)
            return True
        if self.mode == "by" and not _SIG_BY.match(value) and not _SIG_RULE.match(value):
            self.current.by_way_of = f"{self.current.by_way_of} {self.book.casing.phrase(value)}"
            return True
        return False

    def _signature(self, line: _Line) -> bool:
        """ "By: /s/ Name", "By: Its General Partner ...", "______", "/s/ Name"."""
        value = line.text
        by = _SIG_BY.match(value)
        ruled = _SIG_RULE.match(value) or value.startswith("/s/")
        if not (by or ruled):
            return False
        if self.current is None and self.pending_term:
            self._start(role_term=self.pending_term)  # no name above the signature: a person signs as the party
        current = self.current
        if current is None:
            return not by  # a "By:" with no signer yet is read as a label
        rest = by.group("rest").strip() if by else value
        if by and self._form_fields(line, rest):
            return True
        signed = re.match(r"^/s/\s*(.+)$", rest)
        if signed:
            current.person = current.person or signed.group(1).strip()
            current.person_span = current.person_span or line.span
        elif by and rest and not _SIG_RULE.match(rest):
            current.by_way_of = "By: " + self.book.casing.name(rest) if ":" in value[:4] else self.book.casing.phrase(value)
            self.mode = "by"
            return True
        self.expect = "person"
        return True

    def _party_named(self, line: _Line) -> bool:
        """ "Name of Purchaser: Cobalt Fund, L.P." starts that signer, the label naming its part."""
        named = _SIG_PARTY_NAME.match(line.text)
        if not named:
            return False
        value = named.group("value").strip()
        term = _canonical_term(named.group("term"))
        self._start(name=value, name_span=Span(line.span.end - len(value), line.span.end),
                    role_term=term if _is_role_header(term, self.book) else self.pending_term)
        self.mode = ""
        return True

    def _form_fields(self, line: _Line, rest: str) -> bool:
        """ "By: ________ Name: Title:": the signature line and its fields on one line, filled in or blank."""
        fields = _SIG_FIELDS.fullmatch(rest)
        if not fields:
            return False
        person, title = (fields.group("name") or "").strip(), (fields.group("title") or "").strip()
        if person:
            self.current.person = self.current.person or person
            self.current.person_span = self.current.person_span or Span(line.span.start, line.span.end)
        self.current.title = self.current.title or title
        self.expect = "" if person else "person"
        return True

    def _labelled(self, line: _Line) -> bool:
        value = line.text
        labelled = _SIG_NAME.match(value) or _SIG_TITLE.match(value) or _SIG_RESIDENCE.match(value) or _SIG_ADDRESS.match(value)
        if not (labelled and self.current is not None):
            return False
        _signer_label(self.current, line, labelled)
        self.mode = "address" if labelled.re is _SIG_ADDRESS else ""
        self.expect = ""
        return True

    def _new_signer(self, line: _Line) -> bool:
        """ "AJW PARTNERS, LLC" or "FIRST NATIONAL BANK, N.A., as Administrative Agent" starts a signer."""
        value = line.text
        if self.expect == "title":
            return False
        if self.current is not None and self.expect == "person" and _PERSON.match(value) and not _ENDS_WITH_SUFFIX.search(value):
            return False  # the signer's name printed under the signature line
        signing_as = _SIGNING_AS.match(value)
        if signing_as:
            name = signing_as.group("name")
            self._start(name=name, name_span=Span(line.span.start, line.span.start + len(name)),
                        role_term=_canonical_term(signing_as.group("term")))
            return True
        if _looks_like_entity(value, self.book):
            self._start(name=value, name_span=line.span, role_term=self.pending_term)
            return True
        return False

    def _person_or_title(self, value: str, line: _Line) -> None:
        current = self.current
        if current is None or len(value.split()) > 8:
            return
        if self.expect == "person" and _PERSON.match(value):
            current.person = value if not current.person or _key(current.person) == _key(value) else current.person
            if not current.name:
                current.name, current.name_span = current.person, line.span
            self.expect = "title"
        elif self.expect == "title":
            current.title = current.title or value
            self.expect = ""


def _is_role_header(words: str, book: _Book) -> bool:
    term = _canonical_term(words)
    return _role_of(term) != "other" or term in _KNOWN_TERMS or any(term in party.terms for party in book.parties)


def _looks_like_entity(value: str, book: _Book) -> bool:
    if _SIG_LABEL.match(value) or re.match(r"^\d", value):
        return False
    return bool(_ENDS_WITH_SUFFIX.search(value)) or book.find(value) is not None


def _signer_label(signer: _Signer, line: _Line, labelled: re.Match) -> None:
    value = labelled.group("value").strip()
    if labelled.re is _SIG_NAME:
        signer.person, signer.person_span = value, Span(line.span.end - len(value), line.span.end)
    elif labelled.re is _SIG_TITLE:
        signer.title = value
    elif labelled.re is _SIG_RESIDENCE:
        signer.residence = value
    elif value:
        start = line.span.end - len(value)
        signer.address.append(_Line(value, Span(start, line.span.end)))


# ---------------------------------------------------------------------------------------------
# Schedules of buyers

_NOT_A_NAME = re.compile(
    r"\b(?:Name|Names|Address|Amount|Total|Principal|Purchase|Price|Shares|Suite|Street|Avenue|Floor|Schedule|Exhibit)\b", re.I
)


def _read_schedules(text: str, book: _Book) -> None:
    """ "the investors listed on Schedule A hereto (the "Investors")": each name in the schedule's first column."""
    for term, span in list(book.collective.items()):
        schedule = re.search(r"Schedule\s+([\w.-]+)", text[span.start:span.end], re.I)
        if not schedule or book.with_term(term):
            continue
        label = schedule.group(1).rstrip(".")
        headings = list(re.finditer(rf"^[ \t]*SCHEDULE[ \t]+{re.escape(label)}\b.*$", text, re.M | re.I))
        if not headings:
            continue
        start = headings[-1].end()
        stop = re.compile(r"^[ \t]*(?:SCHEDULE|EXHIBIT|ANNEX)\b", re.M | re.I).search(text, start)
        for line in _lines(text, Span(start, stop.start() if stop else len(text))):
            cell = re.split(r"\s{2,}|\t", text[line.span.start:line.span.end])[0].strip()
            if not cell or _NOT_A_NAME.search(cell) or _LABEL.match(cell):
                continue
            person = _PERSON.match(cell) and not _ENTITY_WORDS.search(cell)
            if not (_ENDS_WITH_SUFFIX.search(cell) or person):
                continue
            party = book.add(name=cell, span=Span(line.span.start, line.span.start + len(cell)), section="",
                             found=f"on Schedule {label}")
            party.form = party.form or _form_and_jurisdiction(cell, "an individual" if person else "")[0]
            if term not in party.terms:
                party.terms.append(term)
            party.role = party.role or _role_of(term)
            party.role_span = party.role_span or span


# ---------------------------------------------------------------------------------------------
# Addresses


def _address_record(lines: list[_Line], party: _Party | None, book: _Book, residence: str = "") -> dict:
    """Street lines, city, region, postal code, country and the labelled lines of one address."""
    labelled: dict[str, str] = {}
    plain: list[str] = []
    for line in lines:
        label = _LABEL.match(line.text)
        if label:
            name = label.group("label").lower()
            field_name = next(f for prefix, f in _FIELD_OF_LABEL if name.startswith(prefix))
            labelled.setdefault(field_name, label.group("value").strip())
        elif party is None or book.find(line.text) is not party:
            plain.append(line.text)
    if not plain:
        return {}
    at = next((index for index, text in enumerate(plain) if _CITY_LINE.match(text)), None)
    if at is None:  # no US city line: the last line is the city, unless it names a country
        at = len(plain) - 1
        if at and _COUNTRY_LINE.match(plain[at]):
            at -= 1
    record: dict = {}
    streets = []
    for text in plain[:at]:
        if _PO_BOX.match(text):
            record["po_box"] = text
        else:
            streets.append(text)
    for index, text in enumerate(streets[:3], start=1):
        record[f"street_line_{index}"] = text
    record.update(_city_fields(plain[at], residence))
    after = plain[at + 1:]
    if after and _COUNTRY_LINE.match(after[0]):
        if not _US.match(after[0]):
            record["country"] = after[0]
        after = after[1:]
    if after and "attention" not in labelled:
        labelled["attention"] = ", ".join(after)
    for name in ("attention", "phone", "fax", "email"):
        if labelled.get(name):
            record[name] = labelled[name]
    return record


def _city_fields(text: str, residence: str) -> dict:
    city_line = _CITY_LINE.match(text)
    if city_line:
        fields = {"city": city_line.group("city"), "region": city_line.group("region"), "postal_code": city_line.group("postal")}
        country = (city_line.group("country") or "").strip()
        if country and not _US.match(country):
            fields["country"] = country
        return fields
    city, _, country = (part.strip() for part in text.partition(","))
    fields = {"city": city}
    postcode = re.fullmatch(r"(?P<city>[A-Za-z][A-Za-z .'’-]*?)\s+(?P<postal>[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})", city)
    if postcode:  # "London EC2V 7HN"
        fields = {"city": postcode.group("city"), "postal_code": postcode.group("postal")}
    if country and not _US.match(country):
        # The residence line may spell the country better: "Cayman Island, B.W.I." / "Cayman Islands"
        first = country.split(",")[0].strip()
        if residence and residence.lower().startswith(first.lower()) and residence.lower() != first.lower():
            country = residence + country[len(first):]
        fields["country"] = country
    return fields


# ---------------------------------------------------------------------------------------------
# Notices


def _notices_span(text: str, sections: tuple[Section, ...]) -> Span | None:
    """The section that gives the notice addresses ("If to the Company: ..."), or a search of the text."""
    clauses = [m.start() for m in re.finditer(r"^\s*(?:\(\w{1,4}\)\s*)?If\s+to\b", text, re.M | re.I)]
    if not clauses:
        return None
    clause = re.search(r"^\s*(?:\(\w{1,4}\)\s*)?If\s+to\b", text, re.M | re.I)
    numbered = [s for s in sections if s.number not in ("Preamble", "Signatures")
                and s.span.start <= clause.start() < s.span.end]
    if numbered:
        # the section that holds the most "If to" blocks, the smallest of those: 9.01, not its item 9.01(a)
        def holds(section: Section) -> int:
            return sum(section.span.start <= at < section.span.end for at in clauses)
        return min(numbered, key=lambda s: (-holds(s), s.span.end - s.span.start)).span
    start = max(text.rfind("\n\n", 0, max(0, text.rfind("otice", 0, clause.start()))), 0)
    end = re.compile(r"\n\s*\n\s*(?:[A-Z]\.|\(?[a-z]\)|[a-z]\.|\d+\.)\s").search(text, clause.start())
    return Span(start, end.start() if end else len(text))


def _read_notices(text: str, sections: tuple[Section, ...], book: _Book, proposals: _Proposals) -> list:
    span = _notices_span(text, sections)
    if span is None:
        return []
    known = set(map(id, book.parties))
    addresses = _notice_addresses(text, span, book, proposals)
    for party in book.parties:
        if id(party) not in known:  # counsel named only in the notices section
            party.section = _section_at(sections, party.span.start)
    return addresses


def _notice_addresses(text: str, span: Span, book: _Book, proposals: _Proposals) -> list:
    """The delivery methods of the clause, then each "If to ..." and "with a copy to" block in turn."""
    lines = _lines(text, span)
    first_block = next((i for i, line in enumerate(lines) if _if_to(line.text)), len(lines))
    clause_end = lines[first_block].span.start if first_block < len(lines) else span.end
    _propose_notice_methods(text, Span(span.start, clause_end), proposals)
    addresses = []
    to_parties: list[_Party] = []
    block: list[_Line] = []
    header = ""
    deferred = False

    def close() -> None:
        nonlocal block
        if block:
            addresses.extend(_notice_block(header, block, to_parties, book))
        block = []

    awaiting = False  # a header was read and its address has not begun
    for line in lines[first_block:]:
        if not line.text:
            if block:
                close()
                awaiting = False
            deferred = False
            continue
        if_to, copy_to = _if_to(line.text), _COPY_TO.match(line.text)
        if if_to or copy_to:
            close()
            if if_to:
                header = "to"
                term = _canonical_term(re.sub(r"^(?:the|a|an|any)\s+", "", if_to.group("term").strip(), flags=re.I))
                to_parties = book.with_term(term) or ([book.find(if_to.group("term"))] if book.find(if_to.group("term")) else [])
                header_rest = if_to.group("rest")
            else:
                header = "copy"
                header_rest = copy_to.group("rest")
            deferred = bool(re.search(r"^to the address|address set forth|signature page|Schedule", header_rest, re.I))
            awaiting = not deferred
            if header_rest and not deferred:
                rest_start = line.span.end - len(header_rest)
                header_rest = _CLAUSE_TAIL.sub("", header_rest)  # "...; and" ends an item of a list
                block.append(_Line(header_rest, Span(rest_start, rest_start + len(header_rest))))
            continue
        if deferred:
            continue  # the rest of "To the address set forth below such Buyer's name ..."
        if not (block or awaiting) or (_NOTICE_END.match(line.text) and not block) or re.match(r"IN WITNESS", line.text, re.I):
            break  # the addresses are over: "or to such other address ...", the next section
        block.append(line)
    close()
    return addresses


def _if_to(line: str) -> re.Match | None:
    return _IF_TO_AT.match(line) or _IF_TO.match(line)


def _notice_block(header: str, block: list[_Line], to_parties: list[_Party], book: _Book) -> list:
    """One "If to ..." or "with a copy to" block -> the party it addresses and its address."""
    block = [line for line in block if not _NOTICE_END.match(line.text) or _LABEL.match(line.text)]
    if not block:
        return []
    if len(block) == 1:
        block = _unfolded(block[0])
    first = block[0]
    named = not (_LABEL.match(first.text) or re.match(r"^(?:\d|c/o\b)", first.text, re.I) or _PO_BOX.match(first.text))
    party = book.find(first.text) if named else None
    where = Span(block[0].span.start, block[-1].span.end)
    if header == "to":
        if party is None and len(to_parties) == 1:
            party = to_parties[0]
        if party is None and named:
            party = book.add(name=first.text, span=first.span, section="", found="in the notices section")
            party.form, _ = _form_and_jurisdiction(first.text, "")
        why = "The notice address the notices section gives for " + (party.legal_name if party else "a party").rstrip(".") + "."
    else:
        if not named:
            return []
        party = party or book.add(name=first.text, span=first.span, section="", found='in the notices section as the one "with a copy to"')
        if not party.form:
            party.form, _ = _form_and_jurisdiction(first.text, "")
        for addressee in to_parties:
            if party.legal_name not in addressee.copy_to:
                addressee.copy_to.append(party.legal_name)
        roles = {addressee.role for addressee in to_parties}
        if not party.role:
            party.role = next((_COUNSEL_ROLE[role] for role in roles if role in _COUNSEL_ROLE), "other")
            party.role_span = first.span
        why = f'"With a copy to": {party.legal_name} receives a copy of notices to ' + \
              (", ".join(sorted({t for a in to_parties for t in a.terms[:1]})) or "a party") + "."
    if party is None:
        return []
    body = block[1:] if named else block
    record = _address_record(body, party, book)
    if not record:
        return []
    return [(party, record, where, why)]


def _unfolded(line: _Line) -> list[_Line]:
    """ "Acme Corp., 1 Main Street, Dover, DE 19901, Attention: CFO" -> one line per part of the address."""
    parts = [part.strip() for part in line.text.split(",") if part.strip()]
    lines: list[str] = []
    for part in parts:
        joins_name = lines and len(lines) == 1 and _SUFFIX_ONLY.fullmatch(part)
        joins_city = lines and re.fullmatch(r"[A-Za-z][A-Za-z .]*\s+\d{5}(?:-\d{4})?", part) and not re.match(r"^\d", lines[-1])
        joins_label = lines and _LABEL.match(lines[-1]) and not _LABEL.match(part)
        if joins_name or joins_city or joins_label:
            lines[-1] = f"{lines[-1]}, {part}"
        else:
            lines.append(part)
    return [_Line(text, line.span) for text in lines]


_METHODS = (
    ("certified_mail", r"(?:certified|registered)\s+(?:or\s+(?:certified|registered)\s+)?mail"),
    ("mail", r"(?<![-\w])(?<!certified )(?<!registered )(?:first[- ]class\s+|regular\s+|united states\s+|u\.s\.\s+)*"
             r"mail(?:ed)?\b(?!\s*\(return)|deposited in the [\w .]*mail"),
    ("hand", r"personal(?:ly)? deliver(?:y|ed)|deliver(?:ed)? personally|by hand|hand[- ]deliver"),
    ("courier", r"courier|overnight"),
    ("fax", r"\bfax(?:ed)?\b|facsimile|telecop"),
    ("email", r"e-?mail\b|electronic mail"),
)


# "five days after being placed in the mail", "one business day after deposit with ... courier"
_DAYS_AFTER = re.compile(
    r"(\w+(?:\s*\(\d+\))?)\s+(?:business\s+|calendar\s+)?days?\s+after\s+(?:being\s+)?"
    r"(?:placed in the mail|deposit|mail|sent|post|deliver)"
)


def _propose_notice_methods(text: str, clause: Span, proposals: _Proposals) -> None:
    """mail / certified_mail / hand / courier / fax / email, each effective on receipt or N days after sending."""
    flat = _Flat(text, clause.start, clause.end)
    words = flat.text
    lowered = words.lower()
    section = _section_at(proposals.sections, clause.start)
    mail_days = _DAYS_AFTER.search(lowered)
    deposited = re.search(r"(?:when|upon being|upon)\s+deposited in the [\w .]*mail|when mailed|upon mailing", lowered)
    # "... or by courier ... and shall be effective five days after being placed in the mail, ...":
    # the days belong to the words between commas, "or" and "and" that name the method
    segments = [(m.start(), m.group(0)) for m in re.finditer(r"(?:(?!\bor\b|\band\b)[^,;])+", lowered)]
    for method, pattern in _METHODS:
        found = re.search(pattern, lowered)
        if not found:
            continue
        segment_start, segment = next(((start, seg) for start, seg in segments if re.search(pattern, seg)),
                                      (found.start(), found.group(0)))
        days = _DAYS_AFTER.search(segment)
        record = {"method": method, "effective_when": "on_receipt"}
        mailish = method in ("mail", "certified_mail")
        if days or (mailish and mail_days):
            days, at = (days, segment_start) if days else (mail_days, 0)
            record.update(effective_when="days_after_sending", days_after_sending=numbers.day_count(days.group(1)) or 0)
            how = f'"{words[at + days.start():at + days.end()]}"'
        elif mailish and deposited:
            record["effective_when"] = "days_after_sending"
            how = f'"{words[deposited.start():deposited.end()]}"'
        elif re.search(r"when sent|upon (?:transmission|sending)|when transmitted", segment):
            record["effective_when"] = "days_after_sending"
            how = "when sent"
        else:
            how = "on receipt"
        record["section"] = section
        proposals.add("notice_method", flat.span(found.start(), found.end()), record,
                      f"The notices clause allows {method.replace('_', ' ')}, effective {how}.", section=section)


# ---------------------------------------------------------------------------------------------
# The deal's own fields


@dataclass
class _Deal:
    dated_as_of: str = ""
    closing_date: str = ""
    kind: str = "other"
    company: str = ""


def _read_deal(text: str, sections: tuple[Section, ...], preamble: Span, book: _Book, proposals: _Proposals) -> _Deal:
    deal = _Deal()
    companies = book.with_role("company")
    company = companies[0] if companies else None
    deal.company = company.legal_name if company else ""
    name, name_span = _agreement_name(text, preamble)
    if name:
        record = {"agreement_name": name}
        if company:
            record["title"] = f"{_short_name(company.legal_name)} – {name}"
            record["company"] = company.legal_name
        why = " ".join([f'The agreement names itself "{name}".', *_unnamed_signers(text, book)])
        proposals.add("deal", name_span, record, why, section="")
    dated = _dated_as_of(text, preamble)
    if dated:
        deal.dated_as_of = dated[0].isoformat()
        proposals.add("deal", dated[1], {"dated_as_of": deal.dated_as_of}, "The date the preamble gives the agreement.", section="")
    deal.kind, kind_span, kind_why = _deal_kind(text, sections)
    proposals.add("deal", kind_span, {"kind": deal.kind}, kind_why)
    law = _governing_law(text)
    if law:
        proposals.add("deal", law[1], law[0], "The governing-law clause names the state and the courts.")
    closing = _closing_date(text)
    if closing:
        deal.closing_date = closing[0].isoformat()
        proposals.add("deal", closing[1], {"closing_date": deal.closing_date}, 'The date the agreement fixes for the "Closing Date".')
    return deal


def _agreement_name(text: str, preamble: Span) -> tuple[str, Span]:
    for line in _lines(text, Span(0, min(preamble.end + 200, len(text)))):
        words = line.text
        if _is_caps(words) and re.search(r"\bAGREEMENT\b|\bINDENTURE\b|\bNOTE\b", words) and not words.startswith("EXHIBIT"):
            # the longest name the line holds: "CONVERTIBLE NOTE PURCHASE AGREEMENT", not "CONVERTIBLE NOTE"
            named = re.search(r"[A-Z][A-Z ,&'-]*\b(?:AGREEMENT|INDENTURE)\b", words) or \
                re.search(r"[A-Z][A-Z ,&'-]*\bNOTE\b", words)
            if not named:
                continue
            start = line.span.start + text[line.span.start:line.span.end].find(named.group(0).split()[0])
            span = Span(start, start + len(text[start:line.span.end].split("(")[0].rstrip()))
            return _title_case(" ".join(named.group(0).split())), span
    flat = _Flat(text, preamble.start, preamble.end)
    named = re.search(r"((?:[A-Z][\w-]*\s+)+Agreement)\s*\(\s*(?:this|the)\s+[\"“]Agreement", flat.text)
    if named:
        return _title_case(named.group(1)) if _is_caps(named.group(1)) else named.group(1), flat.span(*named.span(1))
    return "", Span(0, 0)


def _unnamed_signers(text: str, book: _Book) -> list[str]:
    """What to tell the administrator of parties the preamble only describes and the text never names:
    "the purchasers listed on ... Schedule I" with no Schedule I in the text."""
    notes = []
    for span in dict.fromkeys(book.collective.values()):
        terms = [term for term, where in book.collective.items() if where == span]
        if any(book.with_term(term) for term in terms):
            continue
        plural = max(terms, key=len)
        notes.append(f'The {plural} are "{" ".join(span.of(text).split())}", and no one of them is named in the text: '
                     f"none is proposed; add each from the schedule or signature pages.")
    return notes


def _dated_as_of(text: str, preamble: Span):
    flat = _Flat(text, preamble.start, preamble.end)
    dated = re.search(r"\b(?:dated|made|entered into|effective)\b", flat.text, re.I)
    found = numbers.date_match(flat.text, dated.start() if dated else 0) or numbers.date_match(flat.text)
    if not found:
        return None
    return numbers.date_of(found), flat.span(found.start(), found.end())


def _deal_kind(text: str, sections: tuple[Section, ...]) -> tuple[str, Span, str]:
    intro = _intro_span(text, sections)
    flat = _Flat(text, intro.start, intro.end)
    tests = (
        ("convertible_notes", r"convertible\s+(?:promissory\s+)?(?:notes?|debentures?)", "convertible notes"),
        ("equity_line", r"equity line|from time to time[^.]{0,200}?up to|put notice", "an equity line (sales from time to time, up to a total)"),
        ("pipe", r"(?<!warrants to )(?<!warrant to )(?:purchase|sell)(?:(?!warrant)[^.]){0,80}?shares of (?:its |the company's )?"
                 r"common stock", "shares of common stock"),
        ("warrants", r"\bwarrants?\b", "warrants"),
    )
    for kind, pattern, what in tests:
        found = re.search(pattern, flat.text, re.I)
        if found:
            return kind, flat.span(found.start(), found.end()), f"The opening of the agreement sells {what}."
    return "other", Span(0, 0), "Nothing in the opening names notes, an equity line, shares or warrants."


# "governed by and construed ... under the laws of the State of Massachusetts without reference to ..."
_LAWS_OF = re.compile(
    r"(?:governed|construed|enforced)\b[^.]{0,160}?laws?\s+of\s+(?:the\s+)?"
    r"(?:State\s+of\s+|Commonwealth\s+of\s+|Province\s+of\s+)?"
    r"(?P<place>[A-Z][A-Za-z]*(?:\s+(?:[A-Z][A-Za-z]*|and))*?)"
    r"(?=\s+(?:without|applicable|and\s+the|as\s|in\s|except)|\s*[,.;(])",
    re.I,
)
# "shall be governed by New York law"
_STATE_LAW = re.compile(r"(?i:governed\s+by\s+(?:the\s+)?(?:internal\s+)?)(?P<place>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)\s+law\b")


def _governing_law(text: str):
    flat = _Flat(text)
    law = _LAWS_OF.search(flat.text) or _STATE_LAW.search(flat.text)
    if not law:
        return None
    place = law.group("place")
    record = {"governing_law": _title_case(place) if _is_caps(place) else place}
    rest = flat.text[law.end():law.end() + 1500]
    forum = re.search(r"[^.]*\b(?:courts?|jurisdiction of)\b[^.]*\.", rest, re.I)
    if forum:
        record["forum"] = forum.group(0).strip()
    end = law.end() + (forum.end() if forum else 0)
    return record, flat.span(law.start(), end)


def _closing_date(text: str):
    flat = _Flat(text)
    for defined in re.finditer(r"[\"“]Closing Date[\"”]\)?\s+(?:shall|will)\s+be\b", flat.text):
        stop = flat.text.find(". ", defined.end())
        found = numbers.date_match(flat.text[:stop if stop > 0 else None], defined.end())
        if found and found.start() - defined.end() < 150:
            return numbers.date_of(found), flat.span(defined.start(), found.end())
    return None


# ---------------------------------------------------------------------------------------------
# Instruments


def _read_instruments(text: str, sections: tuple[Section, ...], book: _Book, deal: _Deal, proposals: _Proposals) -> None:
    flat = _Flat(text)
    intro = _intro_span(text, sections)
    tranches = _propose_tranches(flat, proposals)
    _propose_notes_and_warrants(flat, intro, tranches, deal, proposals)
    _propose_share_classes(flat, deal, proposals)
    if deal.kind == "equity_line":
        _propose_equity_line(flat, book, proposals)


@dataclass
class _Tranche:
    name: str
    amount: Decimal
    warrant_shares: int
    notes: str
    warrants: str
    span: Span
    section: str


def _sentences(flat: _Flat):
    """The sentences of a stretch of flat text, with where each starts."""
    start = 0
    for end in re.finditer(r"(?<=[a-z0-9)\"”])\.\s+(?=[A-Z(])", flat.text):
        yield start, flat.text[start:end.start() + 1]
        start = end.end()
    yield start, flat.text[start:]


# "additional Notes (the "Filing Notes") in the aggregate principal amount of Six Hundred Thousand Dollars ($600,000)"
_ADDITIONAL_NOTES = re.compile(
    r"additional\s+(?:notes|debentures)\s*\(the\s+[\"“]([^\"”]+)[\"”][^)]*\)\s*"
    r"in the aggregate principal amount of ([^;]*?\(\$[\d,.]+\)|\$[\d,.]+)",
    re.I,
)
# "additional warrants (the "Filing Warrants") to purchase an aggregate of 3,642,987 shares"
_ADDITIONAL_WARRANTS = re.compile(
    r"warrants?\s*\(the\s+[\"“]([^\"”]+)[\"”][^)]*\)\s*to purchase (?:up to |an aggregate of )?([\d,]+) shares", re.I
)


def _propose_tranches(flat: _Flat, proposals: _Proposals) -> list[_Tranche]:
    """ "upon ... (the "Filing Date"), the Buyers shall purchase additional Notes (the "Filing Notes") ..."""
    tranches = []
    for start, sentence in _sentences(flat):
        for part in re.split(r";\s+(?:and,?\s+)?provided\b[^;]*?(?:;|$)", sentence):
            notes = _ADDITIONAL_NOTES.search(part)
            if not notes:
                continue
            warrants = _ADDITIONAL_WARRANTS.search(part)
            event = re.search(r"\(the\s+[\"“]([^\"”]*Date)[\"”]\)", part[:notes.start()])
            within = re.search(r"within\s+(\w+(?:\s*\(\d+\))?)\s+(?:business\s+)?days", part[notes.end():], re.I)
            name = re.sub(r"\s+(?:Notes|Debentures)$", "", notes.group(1)) + " tranche"
            offset = start + sentence.index(part)
            span = flat.span(offset, offset + len(part))
            section = _section_at(proposals.sections, span.start)
            tranche = _Tranche(
                name=name, amount=numbers.dollars(notes.group(2)), notes=notes.group(1),
                warrant_shares=numbers.figure(warrants.group(2)) if warrants else 0,
                warrants=warrants.group(1) if warrants else "", span=span, section=section,
            )
            tranches.append(tranche)
            record = {
                "name": name, "amount": numbers.plain_decimal(tranche.amount), "warrant_shares": tranche.warrant_shares,
                "event": event.group(1) if event else "", "days_to_close": numbers.day_count(within.group(1)) if within else 0,
                "section": section,
            }
            proposals.add("tranche", span, record,
                          f'Further notes "{notes.group(1)}" bought on the {record["event"] or "event named"}, closing within {record["days_to_close"]} days.')
    return tranches


# "10% secured convertible notes", "8% Senior Secured Convertible Notes"
_CONVERTIBLE_NOTES = re.compile(
    r"(?:(\d+(?:\.\d+)?\s?%)\s+)?((?:(?:un)?secured\s+|senior\s+|subordinated\s+)*)"
    r"convertible\s+(?:promissory\s+)?(?:notes?|debentures?)",
    re.I,
)
_CONVERSION_TERMS = "Convertible into Common Stock at the Conversion Price the Notes define; enter the price from them."


def _sale_section(flat: _Flat, after: int, term: str, proposals: _Proposals) -> str:
    """The section that sells what the recitals describe: "the Company shall issue and sell ... Notes"."""
    sale = re.compile(rf"(?:issue and sell|sell and issue|issue and deliver)\b[^.]{{0,200}}?\b{re.escape(term)}\b")
    sale = sale.search(flat.text, after)
    return _section_at(proposals.sections, flat.span(sale.start(), sale.end()).start) if sale else ""


def _joined(*numbers_: str) -> str:
    return ", ".join(dict.fromkeys(number for number in numbers_ if number))


def _propose_notes_and_warrants(flat: _Flat, intro: Span, tranches: list[_Tranche], deal: _Deal, proposals: _Proposals) -> None:
    """The notes and warrants the recitals sell; the later tranches are their own records."""
    start = bisect.bisect_left(flat.offsets, intro.start)
    words = flat.text[start:bisect.bisect_left(flat.offsets, intro.end)]
    rate, secured = _propose_notes(flat, start, words, tranches, deal, proposals)
    for tranche in tranches:
        proposals.add("convertible_note", tranche.span, {
            "name": tranche.notes, "tranche": tranche.name, "principal": numbers.plain_decimal(tranche.amount),
            "interest_rate": numbers.plain_decimal(rate), "secured": secured,
            "issue_date": None, "conversion_terms": _CONVERSION_TERMS, "section": tranche.section,
        }, f'"{tranche.notes}" of the {tranche.name}; rate and security as the notes the recitals describe.')
    _propose_warrants(flat, start, words, tranches, deal, proposals)
    for tranche in tranches:
        if tranche.warrants:
            proposals.add("warrant", tranche.span, {
                "name": tranche.warrants, "tranche": tranche.name, "shares": tranche.warrant_shares,
                "issue_date": None, "section": tranche.section,
            }, f'"{tranche.warrants}" for {tranche.warrant_shares} shares with the {tranche.name}.')


def _propose_notes(flat: _Flat, start: int, words: str, tranches: list[_Tranche], deal: _Deal,
                   proposals: _Proposals) -> tuple[Decimal, bool]:
    """ "10% secured convertible notes ... in the aggregate principal amount of Two Million Dollars ($2,000,000)".

    Where later tranches add up to less than the recitals' total, the total is read as including
    them and the Closing takes the rest; the "why" says so.
    """
    note = _CONVERTIBLE_NOTES.search(words)
    rest = words[note.end():note.end() + 800] if note else ""
    principal = re.search(r"principal amount of ([^;]*?\(\$[\d,.]+\)|\$[\d,.]+)", rest)
    if not (note and principal):
        return Decimal(0), False
    term = re.search(r"the\s+[\"“]((?:[A-Z]\w* )?(?:Notes|Debentures))[\"”]", rest)
    term = term.group(1) if term else "Notes"
    total = numbers.dollars(principal.group(1))
    rate = numbers.rate(note.group(1) or "") or Decimal(0)
    secured = bool(re.search(r"(?<!un)secured", note.group(2), re.I))
    in_tranches = sum((t.amount for t in tranches), Decimal(0))
    amount, reading = total, "the principal the recitals state"
    if tranches and Decimal(0) < in_tranches < total:
        amount = total - in_tranches
        reading = (f"read as the Closing's share: the recitals' {numbers.plain_decimal(total)} less the later tranches' "
                   f"{numbers.plain_decimal(in_tranches)}")
    end = start + note.end() + principal.end()
    span = flat.span(start + note.start(), end)
    proposals.add("convertible_note", span, {
        "name": f"Closing {term}" if tranches else term, "principal": numbers.plain_decimal(amount),
        "interest_rate": numbers.plain_decimal(rate), "secured": secured, "issue_date": deal.closing_date or None,
        "conversion_terms": _CONVERSION_TERMS,
        "section": _joined(_section_at(proposals.sections, span.start), _sale_section(flat, end, term, proposals)),
    }, f"{note.group(0).strip()} in the principal amount of {numbers.plain_decimal(total)}; {reading}.")
    return rate, secured


def _propose_warrants(flat: _Flat, start: int, words: str, tranches: list[_Tranche], deal: _Deal,
                      proposals: _Proposals) -> None:
    """ "warrants ... to purchase 12,143,290 shares of Common Stock", less the later tranches' shares."""
    warrant = re.search(r"warrants?,?[^;.]{0,120}?to purchase (?:up to |an aggregate of )?([\d,]+) shares", words, re.I)
    if not warrant:
        return
    total = numbers.figure(warrant.group(1))
    in_tranches = sum(t.warrant_shares for t in tranches)
    shares, reading = total, "the shares the recitals state"
    if tranches and 0 < in_tranches < total:
        shares = total - in_tranches
        reading = f"read as the Closing's share: {total} less the later tranches' {in_tranches}"
    span = flat.span(start + warrant.start(), start + warrant.end())
    proposals.add("warrant", span, {
        "name": "Closing Warrants" if tranches else "Warrants", "shares": shares,
        "issue_date": deal.closing_date or None,
        "section": _joined(_section_at(proposals.sections, span.start),
                           _sale_section(flat, start + warrant.end(), "Warrants", proposals)),
    }, f"Warrants to purchase {warrant.group(1)} shares; {reading}.")


_CLASS = re.compile(
    r"(?P<count>\d{1,3}(?:,\d{3})+|\d+)\s+shares\s+of\s+(?:its\s+|the Company's\s+)?"
    r"(?P<name>(?:(?:Class|Series)\s+[A-Z]\s+)?(?:[Cc]ommon|[Pp]referred)\s+[Ss]tock)"
    r"(?:,?\s*par value\s+\$\s?(?P<par>[\d.]*\d))?"
)


# "of which 24,985,000 shares of Common Stock are issued and outstanding"
_ISSUED = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+|[a-z]+)\s+shares(?:\s+of\s+[\w ]+?)?\s+(?:are|were)\s+issued\s+and\s+outstanding", re.I
)
# "380,000 shares are reserved for issuance pursuant to the Company's stock option plans"
_RESERVED = re.compile(
    r"(\d{1,3}(?:,\d{3})+|\d+|zero|no)\s+shares\s+(?:are|were)\s+reserved\s+for\s+issuance\s+(?=(.{0,120}))", re.I
)


def _propose_share_classes(flat: _Flat, deal: _Deal, proposals: _Proposals) -> None:
    """ "the authorized capital stock of the Company consists of 75,000,000 shares of Common Stock, ..."""
    opening = re.search(r"authorized capital(?: stock)? of the [A-Z]\w+ consists of", flat.text, re.I)
    if not opening:
        return
    stop = re.search(r"\.\s+[A-Z]|\s\((?:iii|iv|v)\)\s|\s[A-Z]\.\s", flat.text[opening.end():])
    paragraph_end = min(opening.end() + (stop.start() if stop else 800), len(flat.text))
    classes = list(_CLASS.finditer(flat.text, opening.end(), paragraph_end))
    for index, found in enumerate(classes):
        if index and found.group("name").lower() == classes[index - 1].group("name").lower():
            continue
        following = [c for c in classes[index + 1:] if c.group("name").lower() != found.group("name").lower()]
        detail_end = following[0].start() if following else paragraph_end
        detail = flat.text[found.end():detail_end]
        name = _title_case(found.group("name"))
        issued = _ISSUED.search(detail)
        par = found.group("par") or _par_elsewhere(flat.text, found.group("name"))
        record = {
            "name": name, "kind": "preferred" if "preferred" in name.lower() else "common",
            **({"par_value": numbers.plain_decimal(Decimal(par))} if par else {}),
            "authorized": numbers.figure(found.group("count")),
            "issued_and_outstanding": numbers.count_or_words(issued.group(1)) if issued else 0,
            "as_of": deal.dated_as_of or None,
        }
        span = flat.span(found.start(), detail_end)
        record["section"] = _section_at(proposals.sections, span.start)
        reservations = _reservations(detail)
        if reservations:
            record["reservations"] = reservations
        proposals.add("share_class", span, record,
                      f"The capitalization paragraph: {found.group('count')} shares of {name} authorized"
                      + (f", {issued.group(1)} issued and outstanding" if issued else "") + ", as of the agreement's date.")


def _par_elsewhere(text: str, name: str) -> str | None:
    found = re.search(rf"{name},?\s*par value\s+\$\s?([\d.]*\d)", text, re.I)
    return found.group(1) if found else None


def _reservations(detail: str) -> list[dict]:
    reserved = []
    for found in _RESERVED.finditer(detail):
        what = found.group(2).lower()
        if "option" in what:
            purpose = "stock_options"
        elif "other than" in what:
            purpose = "other_convertibles"
        elif re.search(r"(?:conversion|exercise) of the [a-z]", what):
            purpose = "deal_securities"
        elif re.search(r"convertible|exercisable|exchangeable", what):
            purpose = "other_convertibles"
        else:
            purpose = "other"
        reserved.append({"purpose": purpose, "shares": numbers.count_or_words(found.group(1)) or 0})
    return reserved


# "1% of the Put Amount on each draw as a fee", "a fee equal to 5% of each advance"
_FEE = re.compile(r"(\d+(?:\.\d+)?\s?%)\s+of\s+the\s+[^.]{0,80}?\bfee\b|\bfee\b[^.]{0,80}?(\d+(?:\.\d+)?\s?%)", re.I)


def _propose_equity_line(flat: _Flat, book: _Book, proposals: _Proposals) -> None:
    """ "from time to time ... up to Ten Million Dollars ($10,000,000)" and "1% of the Put Amount ... as a fee"."""
    commitment = re.search(r"from time to time[^.]{0,300}?up to ([^($]{0,60}\(\$[\d,.]+\)|\$[\d,.]+)", flat.text, re.I)
    if not commitment:
        return
    fee = _FEE.search(flat.text)
    investors = book.with_role("investor")
    agents = book.with_role("placement_agent")
    span = flat.span(commitment.start(), commitment.end())
    sections = [_section_at(proposals.sections, span.start)]
    record = {
        "investor": investors[0].legal_name if investors else "",
        **({"placement_agent": agents[0].legal_name} if agents else {}),
        "commitment": numbers.plain_decimal(numbers.dollars(commitment.group(1))),
        "placement_fee_rate": numbers.plain_decimal(numbers.rate(fee.group(1) or fee.group(2)) if fee else Decimal(0)),
    }
    if fee:
        sections.append(_section_at(proposals.sections, flat.span(fee.start(), fee.end()).start))
    record["section"] = ", ".join(dict.fromkeys(number for number in sections if number))
    proposals.add("equity_line", span, record,
                  f"Sales from time to time up to {commitment.group(1)}" + (f", with a fee of {fee.group(0)}." if fee else "."))
