"""The bytes of an uploaded agreement -> its plain text, or a one-sentence refusal.

Reads plain text, EDGAR submissions and exhibits (SGML-wrapped text or HTML), PDFs with a text
layer (pypdf) and Word .docx files (python-docx). The format is told from the content first and
the file name second, because EDGAR exhibits arrive as .txt files holding HTML and saved PDFs lose
their extension. The text is kept as written apart from line endings, non-breaking spaces and
trailing spaces: every proposal's span indexes it, and the review page shows it as is.
"""
from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from pathlib import PurePath

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
# The shortest agreement worth reading: a few sentences. A cover page or an empty form is shorter.
MIN_AGREEMENT_LETTERS = 200
# Bytes a text file never holds (other than tab, line feed, form feed and carriage return): a file
# with more than this share of them is a binary, whatever its name says.
MAX_CONTROL_SHARE = 0.05
SNIFF_BYTES = 8192
# What a Word file may unzip to: its text and styles, with room for a logo or two.
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024


class IntakeRefused(ValueError):
    """An upload the desk cannot read; the message says why and what to do, in one sentence."""


def agreement_text(*, data: bytes, filename: str) -> str:
    """The agreement's plain text, from the uploaded file's bytes.

    Raises IntakeRefused for an empty or oversized file, a binary that is not a document, a
    damaged PDF or Word file, a PDF with no text layer, or text too short to be an agreement.
    """
    name = PurePath(filename or "The file").name
    if not data:
        raise IntakeRefused(f"{name} is empty: upload the agreement's file again, or paste its text.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise IntakeRefused(
            f"{name} is {_megabytes(len(data))} MB; the desk reads agreements up to "
            f"{_megabytes(MAX_UPLOAD_BYTES)} MB: upload the agreement without its exhibits, or paste its text."
        )
    reader = _reader_for(data, name)
    text = normalised(reader(data, name))
    _refuse_if_too_short(text, name)
    return text


def normalised(text: str) -> str:
    """Unix line ends, plain spaces for non-breaking ones, no trailing spaces; nothing else changes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n")
    text = text.replace("\ufeff", "").replace("\u200b", "")
    text = re.sub("[\u00a0\u2007\u202f]", " ", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return text.strip("\n").rstrip()


def _megabytes(size: int) -> str:
    shown = f"{size / (1024 * 1024):.1f}"
    return shown.removesuffix(".0") if size == MAX_UPLOAD_BYTES else shown


# -- Telling the format -------------------------------------------------------------------------

_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"
# Binaries people upload by mistake, named so the refusal can say what the file is.
_KNOWN_BINARIES = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0", "an old-style Word or Excel file (.doc/.xls)"),
)
_MARKUP = re.compile(rb"<\s*(?:html|!doctype\s+html|body|document|sec-document|text|p|div|table)\b", re.IGNORECASE)


def _reader_for(data: bytes, name: str):
    head = data[:SNIFF_BYTES]
    suffix = PurePath(name).suffix.lower()
    if _PDF_MAGIC in data[:1024]:
        return _pdf_text
    if head.startswith(_ZIP_MAGIC):
        return _docx_text
    for magic, what in _KNOWN_BINARIES:
        if head.startswith(magic):
            fix = "save it as .docx or PDF and upload that" if "Word" in what else _READABLE
            raise IntakeRefused(f"{name} is {what}, not an agreement the desk can read: {fix}.")
    if _looks_binary(head) and not _has_utf16_bom(head):
        if suffix in (".pdf", ".docx"):
            raise _damaged(name, "a PDF" if suffix == ".pdf" else "a Word document")
        raise IntakeRefused(f"{name} is not a document the desk can read (it holds binary data): {_READABLE}.")
    if _MARKUP.search(head) or suffix in (".htm", ".html"):
        return _markup_text
    return _plain_text


_READABLE = "upload the agreement as text, HTML, PDF or .docx"


def _damaged(name: str, kind: str) -> IntakeRefused:
    return IntakeRefused(
        f"{name} could not be read as {kind}: the file is damaged; save or download it again, "
        f"or paste the agreement's text."
    )


def _has_utf16_bom(head: bytes) -> bool:
    return head.startswith((b"\xff\xfe", b"\xfe\xff"))


def _looks_binary(head: bytes) -> bool:
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f")
    return controls > MAX_CONTROL_SHARE * len(head)


# -- Plain text ------------------------------------------------------------------------------

def _decoded(data: bytes) -> str:
    if _has_utf16_bom(data):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")  # never fails: every byte is a character


def _plain_text(data: bytes, name: str) -> str:
    return _decoded(data)


# -- EDGAR submissions and HTML ------------------------------------------------------------------

# EDGAR wraps each document of a submission in SGML: a header block, then per document
# <DOCUMENT><TYPE>..<SEQUENCE>..<FILENAME>..<DESCRIPTION>..<TEXT> body </TEXT></DOCUMENT>.
_SEC_HEADER = re.compile(r"<(SEC-HEADER|IMS-HEADER)>.*?</\1>\s*", re.IGNORECASE | re.DOTALL)
_DOCUMENT = re.compile(r"<DOCUMENT>(.*?)(?:</DOCUMENT>|\Z)", re.IGNORECASE | re.DOTALL)
_DOCUMENT_TYPE = re.compile(r"^<TYPE>[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)
_DOCUMENT_BODY = re.compile(r"<TEXT>\n?(.*?)(?:</TEXT>|\Z)", re.IGNORECASE | re.DOTALL)
# Documents of a submission that are never the agreement: images, archives, XBRL data.
_NOT_TEXT_TYPES = re.compile(r"^(GRAPHIC|ZIP|EXCEL|PDF|XML|JSON|EX-101\.|EX-27)", re.IGNORECASE)
_UUENCODED = re.compile(r"^begin [0-7]{3} ", re.MULTILINE)
# HTML, as against old EDGAR plain text, which has SGML table tags (<TABLE>, <S>, <C>) of its own.
_HTML_BODY = re.compile(r"<\s*(html|body|p|div|br|font|td)\b", re.IGNORECASE)
# Old EDGAR plain-text markup: whole lines such as <PAGE>, and table tags inside the text.
_SGML_LINE = re.compile(
    r"^[ \t]*</?(?:PAGE|SEC-DOCUMENT|DOCUMENT|TEXT|TYPE|SEQUENCE|FILENAME|DESCRIPTION)>[^\n]*\n?",
    re.IGNORECASE | re.MULTILINE,
)
_SGML_INLINE = re.compile(r"</?(?:S|C|CAPTION|TABLE|FN|F\d+)>", re.IGNORECASE)


def _markup_text(data: bytes, name: str) -> str:
    raw = _SEC_HEADER.sub("", _decoded(data))
    documents = _DOCUMENT.findall(raw)
    if not documents:
        return _body_text(raw)
    bodies = [_body_text(body) for body in map(_document_body, documents) if body is not None]
    return "\n\n".join(body for body in bodies if body.strip())


def _document_body(document: str) -> str | None:
    kind = _DOCUMENT_TYPE.search(document)
    if kind and _NOT_TEXT_TYPES.match(kind.group(1)):
        return None
    body = _DOCUMENT_BODY.search(document)
    text = body.group(1) if body else _SGML_LINE.sub("", document)
    return None if _UUENCODED.search(text[:2000]) else text


def _body_text(body: str) -> str:
    if _HTML_BODY.search(body):
        return _html_text(body)
    return _SGML_INLINE.sub("", _SGML_LINE.sub("", body))


# Elements that end a line, and those that end a paragraph (a blank line).
_LINE_TAGS = frozenset({"br", "tr", "li", "dt", "dd"})
_PARAGRAPH_TAGS = frozenset({
    "p", "div", "table", "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "center", "hr", "title", "section", "article", "header", "footer", "address",
})
_CELL_TAGS = frozenset({"td", "th"})
_SKIPPED_TAGS = frozenset({"script", "style", "head"})


class _HtmlToText(HTMLParser):
    """HTML -> text with paragraph breaks; whitespace collapses as a browser collapses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "pre":
            self.preformatted += 1
        if tag not in _CELL_TAGS:
            self._break(tag)

    def handle_startendtag(self, tag: str, attrs) -> None:
        self._break(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
        if tag not in _LINE_TAGS:
            self._break(tag)  # a cell ends with a tab, so a row reads "If to the Company:<tab>Cal-Bay ..."

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.parts.append(data if self.preformatted else re.sub(r"[ \t\r\n\f]+", " ", data))

    def _break(self, tag: str) -> None:
        if tag in _PARAGRAPH_TAGS:
            self.parts.append("\n\n")
        elif tag in _LINE_TAGS:
            self.parts.append("\n")
        elif tag in _CELL_TAGS:
            self.parts.append("\t")

    def text(self) -> str:
        lines = (line.strip(" \t") for line in "".join(self.parts).split("\n"))
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def _html_text(html: str) -> str:
    parser = _HtmlToText()
    parser.feed(html)
    parser.close()
    return parser.text()


# -- PDF -----------------------------------------------------------------------------------------

def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader  # imported on use: only PDF uploads pay for it

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IntakeRefused(
                f"{name} is protected by a password: save an unprotected copy and upload that, "
                f"or paste the agreement's text."
            )
        pages = [page.extract_text() or "" for page in reader.pages]
    except IntakeRefused:
        raise
    except Exception as error:  # pypdf raises many kinds on a damaged file; all mean the same here
        raise _damaged(name, "a PDF") from error
    text = "\n\n".join(page.strip("\n") for page in pages)
    if not any(character.isalpha() for character in text):
        raise IntakeRefused(
            f"{name} holds scanned images with no text: run OCR on it first (most scanners and PDF "
            f"tools can), or paste the agreement's text."
        )
    return text


# -- Word .docx ----------------------------------------------------------------------------------

def _docx_text(data: bytes, name: str) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile as error:
        raise _damaged(name, "a Word document") from error
    names = {member.filename for member in members}
    if "word/document.xml" not in names:
        if names & {"content.xml", "xl/workbook.xml", "ppt/presentation.xml"}:
            raise IntakeRefused(f"{name} is not a Word document: save the agreement as .docx or PDF and upload that.")
        raise IntakeRefused(f"{name} is a zip archive, not a Word document: unzip it and upload the agreement itself.")
    if sum(member.file_size for member in members) > MAX_UNZIPPED_BYTES:
        # A Word file that unzips to hundreds of megabytes is a zip bomb or a binder of scans.
        raise IntakeRefused(
            f"{name} is too large once unzipped for the desk to read: save the agreement alone as .docx "
            f"or PDF, or paste its text."
        )
    try:
        return "\n\n".join(_docx_blocks(data))
    except Exception as error:  # python-docx and lxml raise many kinds on a damaged file
        raise _damaged(name, "a Word document") from error


def _docx_blocks(data: bytes) -> list[str]:
    """Paragraphs and table cells in document order, each paragraph with its list number."""
    import docx  # imported on use: only Word uploads pay for it
    from docx.table import Table

    document = docx.Document(io.BytesIO(data))
    numbers = _ListNumbers(document)
    blocks: list[str] = []
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            blocks.extend(_table_blocks(item, numbers))
        else:
            blocks.append(numbers.label(item) + item.text)
    return blocks


def _table_blocks(table, numbers: "_ListNumbers") -> list[str]:
    # A notice block or signature page laid out in a table reads cell by cell, so an address
    # stays together; a merged cell appears once.
    blocks: list[str] = []
    seen: list = []
    for row in table.rows:
        for cell in row.cells:
            if any(cell._tc is other for other in seen):
                continue
            seen.append(cell._tc)
            lines = [numbers.label(p) + p.text for p in cell.paragraphs]
            if any(line.strip() for line in lines):
                blocks.append("\n".join(lines))
    return blocks


class _ListNumbers:
    """Word's automatic paragraph numbers ("1.", "(a)", "Section 4.2"), which paragraph.text leaves out.

    An agreement drafted in Word numbers its sections with list numbering, so without these the
    sections would lose their numbers. Counters follow the list definitions (numbering.xml):
    each level counts from its start, a level resets those below it.
    """

    def __init__(self, document) -> None:
        from docx.oxml.ns import qn

        self._qn = qn
        # abstractNumId -> level -> (start, number format, level text such as "%1.%2")
        self._levels: dict[str, dict[int, tuple[int, str, str]]] = {}
        self._abstract_of: dict[str, str] = {}  # numId -> abstractNumId
        self._counters: dict[str, dict[int, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        for abstract in root.findall(qn("w:abstractNum")):
            levels = {}
            for level in abstract.findall(qn("w:lvl")):
                levels[int(level.get(qn("w:ilvl")))] = (
                    int(self._value(level, "w:start") or 1),
                    self._value(level, "w:numFmt") or "decimal",
                    self._value(level, "w:lvlText") or "",
                )
            self._levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            self._abstract_of[num.get(qn("w:numId"))] = self._value(num, "w:abstractNumId")

    def _value(self, element, tag: str) -> str | None:
        child = element.find(self._qn(tag))
        return None if child is None else child.get(self._qn("w:val"))

    def label(self, paragraph) -> str:
        num_id, level = self._list_of(paragraph)
        abstract = self._abstract_of.get(num_id or "")
        levels = self._levels.get(abstract or "", {})
        if level not in levels:
            return ""
        counters = self._counters.setdefault(abstract, {})
        counters[level] = counters.get(level, levels[level][0] - 1) + 1
        for deeper in [key for key in counters if key > level]:
            del counters[deeper]
        start, kind, pattern = levels[level]
        if kind in ("bullet", "none") or not pattern:
            return ""

        def shown(match: re.Match) -> str:
            shown_level = int(match.group(1)) - 1
            shown_start, shown_kind, _ = levels.get(shown_level, (1, "decimal", ""))
            return _formatted(counters.get(shown_level, shown_start), shown_kind)

        return re.sub(r"%(\d)", shown, pattern) + " "

    def _list_of(self, paragraph) -> tuple[str | None, int]:
        # Direct numbering first, then the paragraph style's (legal templates number headings by style).
        holders = [paragraph._p.pPr]
        style = paragraph.style
        while style is not None:
            holders.append(style.element.pPr)
            style = style.base_style
        for holder in holders:
            num_pr = None if holder is None else holder.find(self._qn("w:numPr"))
            if num_pr is not None:
                num_id = self._value(num_pr, "w:numId")
                level = self._value(num_pr, "w:ilvl")
                return (None if num_id == "0" else num_id), int(level or 0)
        return None, -1


def _formatted(number: int, kind: str) -> str:
    if kind == "lowerLetter":
        return _letters(number).lower()
    if kind == "upperLetter":
        return _letters(number)
    if kind == "lowerRoman":
        return _roman(number).lower()
    if kind == "upperRoman":
        return _roman(number)
    return str(number)


def _letters(number: int) -> str:
    # Word's letters run A..Z, then AA..ZZ.
    return chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def _roman(number: int) -> str:
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    out = ""
    for value, numeral in numerals:
        while number >= value:
            out += numeral
            number -= value
    return out


# -- Too short ---------------------------------------------------------------------------------

def _refuse_if_too_short(text: str, name: str) -> None:
    letters = sum(1 for character in text if character.isalpha())
    if letters < MIN_AGREEMENT_LETTERS:
        raise IntakeRefused(
            f"{name} holds only {letters} letters of text, too little for an agreement: "
            f"check it is the right file, or paste the agreement's full text."
        )
