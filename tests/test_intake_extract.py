"""Reading an uploaded agreement's bytes: text, EDGAR SGML and HTML, PDF and .docx, and the refusals."""
from __future__ import annotations

import io
import random
import re
import textwrap
import zipfile
from pathlib import Path

import docx
import pytest

from dealdesk.intake import extract
from dealdesk.intake.extract import MAX_UPLOAD_BYTES, IntakeRefused, agreement_text

AGREEMENTS = Path(__file__).parent / "data" / "agreements"
CALBAY = AGREEMENTS / "calbay-2003.txt"
SPA = AGREEMENTS / "calbatech-spa-2005.txt"


def calbay_paragraphs(count: int) -> list[str]:
    """The first paragraphs of the Cal-Bay agreement, each on one line with single spaces."""
    paragraphs = re.split(r"\n\s*\n", CALBAY.read_text())
    return [" ".join(paragraph.split()) for paragraph in paragraphs[:count]]


def refusal(data: bytes, filename: str) -> str:
    with pytest.raises(IntakeRefused) as refused:
        agreement_text(data=data, filename=filename)
    return str(refused.value)


# -- Plain text ----------------------------------------------------------------------------------

def test_it_keeps_a_plain_text_agreement_exactly_as_written():
    assert agreement_text(data=CALBAY.read_bytes(), filename="calbay-2003.txt") == CALBAY.read_text()


def test_it_normalises_line_ends_non_breaking_and_trailing_spaces_only():
    body = "1.  OFFERING.\u00a0The Company shall issue   the Common Stock.   \r\n\r\n" * 8
    text = agreement_text(data=body.encode("utf-8"), filename="offering.txt")
    assert text.split("\n")[:3] == ["1.  OFFERING. The Company shall issue   the Common Stock.", "", "1.  OFFERING. The Company shall issue   the Common Stock."]
    assert "\r" not in text and "\u00a0" not in text and not text.endswith(" ")


def test_it_reads_windows_1252_text_when_the_file_is_not_utf8():
    body = ("The Company\u2019s Common Stock shall be \u201cregistered\u201d within five (5) days. " * 6).encode("cp1252")
    assert b"\x92" in body
    text = agreement_text(data=body, filename="agreement.txt")
    assert text.startswith("The Company\u2019s Common Stock shall be \u201cregistered\u201d within five (5) days.")


# -- EDGAR submissions and HTML -----------------------------------------------------------------------

def test_it_strips_the_edgar_sgml_wrapping_of_a_plain_text_exhibit():
    text = agreement_text(data=SPA.read_bytes(), filename="ex101160305.txt")
    assert text.startswith("                               EXHIBIT 10.11\n\n                          SECURITIES PURCHASE AGREEMENT\n")
    assert not re.search(r"</?(DOCUMENT|TYPE|SEQUENCE|FILENAME|TEXT)>", text)
    assert text.endswith("Aggregate Purchase Price:\n$______")
    # The body is untouched: the notices block reads line for line as filed.
    assert "If to the Company:\n\nCalbatech, Inc.\n15375 Barranca Parkway\nSuite I-101\nIrvine, CA 92618\n" in text


def edgar_html_exhibit(paragraphs: list[str]) -> bytes:
    body = "\n".join(
        f'<p style="margin-top:12pt"><font size="2">{paragraph.replace("&", "&amp;").replace("  ", "&nbsp; ")}</font></p>'
        for paragraph in paragraphs
    )
    return (
        "<SEC-DOCUMENT>0001019687-03-001234.txt : 20030620\n<SEC-HEADER>0001019687-03-001234.hdr.sgml : 20030620\n"
        "ACCESSION NUMBER:\t\t0001019687-03-001234\nCONFORMED SUBMISSION TYPE:\tSB-2\n</SEC-HEADER>\n"
        "<DOCUMENT>\n<TYPE>EX-10.2\n<SEQUENCE>3\n<FILENAME>ex10-2.htm\n<DESCRIPTION>PLACEMENT AGENT AGREEMENT\n<TEXT>\n"
        "<html><head><title>ex10-2</title><style>p {margin:0}</style></head><body>\n"
        f"{body}\n"
        '<p align="center">1</p>\n<hr style="page-break-after:always">\n'
        "</body></html>\n</TEXT>\n</DOCUMENT>\n"
        "<DOCUMENT>\n<TYPE>GRAPHIC\n<SEQUENCE>4\n<FILENAME>logo.gif\n<TEXT>\nbegin 644 logo.gif\nM1TE&.#=A\n`\nend\n</TEXT>\n</DOCUMENT>\n"
        "</SEC-DOCUMENT>\n"
    ).encode("utf-8")


def test_it_reads_an_edgar_html_exhibit_as_paragraphs_of_text():
    paragraphs = calbay_paragraphs(5)
    text = agreement_text(data=edgar_html_exhibit(paragraphs), filename="0001019687-03-001234.txt")
    # The page's title and the uuencoded logo are not text of the agreement; the page number is.
    assert text.split("\n\n") == [*paragraphs, "1"]


def test_it_reads_an_html_file_by_its_content_whatever_its_name():
    paragraphs = calbay_paragraphs(4)
    html = "<!DOCTYPE html><html><body>" + "".join(f"<div>{p}</div>" for p in paragraphs) + "</body></html>"
    text = agreement_text(data=html.encode(), filename="upload")
    assert text.split("\n\n") == paragraphs


def test_it_keeps_line_breaks_and_table_cells_of_html():
    html = (
        "<html><body><p>The Company shall deliver notices to the addresses below, each of which the"
        " parties may change by notice to the others given in the manner set out in this Section.</p>"
        "<table><tr><td>If to the Company:</td><td>Cal-Bay International, Inc.<br>1582 Parkway Loop, Suite G"
        "<br>Tustin, CA 92780</td></tr></table><p>Any notice shall be in writing &amp; effective when received.</p></body></html>"
    )
    text = agreement_text(data=html.encode(), filename="notices.html")
    assert "If to the Company:\tCal-Bay International, Inc.\n1582 Parkway Loop, Suite G\nTustin, CA 92780" in text
    assert text.endswith("Any notice shall be in writing & effective when received.")


# -- Word .docx -----------------------------------------------------------------------------------

def docx_bytes(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_it_reads_a_word_file_paragraphs_and_tables_in_order():
    preamble, offering, representations = calbay_paragraphs(5)[2:5]
    document = docx.Document()
    document.add_paragraph(preamble)
    document.add_paragraph(offering)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "If to Placement Agent, to:\nOftring & Company\n588 Main Street\nWorcester, MA 01608"
    table.cell(0, 1).text = "If to the Company, to:\nCal-Bay International, Inc.\n1582 Parkway Loop, Suite G"
    document.add_paragraph(representations)
    text = agreement_text(data=docx_bytes(document), filename="Placement Agent Agreement.docx")
    assert text.split("\n\n") == [
        preamble,
        offering,
        "If to Placement Agent, to:\nOftring & Company\n588 Main Street\nWorcester, MA 01608",
        "If to the Company, to:\nCal-Bay International, Inc.\n1582 Parkway Loop, Suite G",
        representations,
    ]
    assert preamble.startswith("The undersigned, Cal-Bay International, Inc.,")


def test_it_writes_out_the_numbers_word_draws_for_numbered_paragraphs():
    document = docx.Document()
    document.add_paragraph("PLACEMENT AGENT AGREEMENT")
    for caption in ("OFFERING", "PAYMENT OF EXPENSES", "PLACEMENT AGENT FEE"):
        document.add_paragraph(f"{caption}. The Company shall bear every cost of the Offering as set out here.", style="List Number")
    text = agreement_text(data=docx_bytes(document), filename="numbered.docx")
    assert [line.split(".")[0] for line in text.split("\n\n")[1:]] == ["1", "2", "3"]
    assert "\n\n3. PLACEMENT AGENT FEE. The Company" in text


# -- PDF ------------------------------------------------------------------------------------------

def pdf_bytes(lines: list[str], *, text_layer: bool = True) -> bytes:
    """A one-page PDF written by hand: Helvetica text lines, or only a grey square (a scan's stand-in)."""
    def escaped(line: str) -> str:
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    if text_layer:
        content = "BT /F1 9 Tf 12 TL 40 760 Td " + " ".join(f"({escaped(line)}) Tj T*" for line in lines) + " ET"
    else:
        content = "q 0.5 g 50 50 300 300 re f Q"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content.encode('latin-1'))} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_it_reads_the_text_layer_of_a_pdf():
    paragraphs = calbay_paragraphs(5)
    lines = [line for paragraph in paragraphs for line in textwrap.wrap(paragraph, 100)]
    text = agreement_text(data=pdf_bytes(lines), filename="calbay.pdf")
    assert text.split("\n") == lines
    assert "1. OFFERING. The Company hereby engages the Placement Agent" in text


def test_it_tells_a_pdf_by_its_content_when_the_name_says_otherwise():
    lines = textwrap.wrap(" ".join(calbay_paragraphs(5)), 100)
    assert agreement_text(data=pdf_bytes(lines), filename="download")[:40] == lines[0][:40]


# -- Refusals ---------------------------------------------------------------------------------------

def test_it_refuses_an_empty_file():
    assert refusal(b"", "agreement.pdf") == "agreement.pdf is empty: upload the agreement's file again, or paste its text."


def test_it_refuses_a_file_over_the_size_limit_saying_both_sizes():
    assert MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    message = refusal(b"a" * (50 * 1024 * 1024), "closing-binder.pdf")
    assert message == (
        "closing-binder.pdf is 50.0 MB; the desk reads agreements up to 10 MB: "
        "upload the agreement without its exhibits, or paste its text."
    )


def test_it_takes_a_file_of_exactly_the_size_limit():
    paragraph = " ".join(calbay_paragraphs(5)) + "\n"
    body = (paragraph * (MAX_UPLOAD_BYTES // len(paragraph) + 1)).encode()[:MAX_UPLOAD_BYTES]
    assert len(agreement_text(data=body, filename="long.txt")) > 10_000_000


def test_it_refuses_an_image():
    png = b"\x89PNG\r\n\x1a\n" + bytes(200)
    assert refusal(png, "signature.png") == (
        "signature.png is a PNG image, not an agreement the desk can read: upload the agreement as text, HTML, PDF or .docx."
    )


def test_it_refuses_random_bytes_as_binary():
    noise = random.Random(12).randbytes(5000)
    assert refusal(noise, "agreement.bin") == (
        "agreement.bin is not a document the desk can read (it holds binary data): "
        "upload the agreement as text, HTML, PDF or .docx."
    )


def test_it_refuses_control_characters_even_without_nul_bytes():
    noisy = bytes(random.Random(3).choice([1, 2, 3, 65, 66, 32]) for _ in range(4000))
    assert "holds binary data" in refusal(noisy, "agreement.txt")


def test_it_refuses_a_zip_that_is_not_a_word_file():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("agreement.txt", "1. OFFERING. The Company hereby engages the Placement Agent.")
    assert refusal(buffer.getvalue(), "documents.zip") == (
        "documents.zip is a zip archive, not a Word document: unzip it and upload the agreement itself."
    )


def test_it_refuses_a_spreadsheet_saying_to_save_the_agreement_as_word_or_pdf():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    assert refusal(buffer.getvalue(), "cap-table.xlsx") == (
        "cap-table.xlsx is not a Word document: save the agreement as .docx or PDF and upload that."
    )


def test_it_refuses_a_word_file_that_unzips_too_large(monkeypatch):
    monkeypatch.setattr(extract, "MAX_UNZIPPED_BYTES", 100_000)
    document = docx.Document()
    document.add_paragraph("The Company shall deliver its financial statements. " * 2500)
    assert refusal(docx_bytes(document), "binder.docx") == (
        "binder.docx is too large once unzipped for the desk to read: save the agreement alone as .docx or PDF, "
        "or paste its text."
    )


def test_it_refuses_a_damaged_word_file():
    whole = docx_bytes(docx.Document())
    assert refusal(whole[: len(whole) // 2], "agreement.docx") == (
        "agreement.docx could not be read as a Word document: the file is damaged; save or download it again, "
        "or paste the agreement's text."
    )


def test_it_refuses_a_word_file_whose_document_is_not_xml():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "not xml at all")
    assert "could not be read as a Word document: the file is damaged" in refusal(buffer.getvalue(), "agreement.docx")


def test_it_refuses_a_damaged_pdf():
    whole = pdf_bytes(textwrap.wrap(" ".join(calbay_paragraphs(5)), 100))
    damaged = whole[:200] + random.Random(5).randbytes(400)
    assert refusal(damaged, "agreement.pdf") == (
        "agreement.pdf could not be read as a PDF: the file is damaged; save or download it again, "
        "or paste the agreement's text."
    )


def test_it_refuses_a_pdf_of_scanned_pages_and_says_to_run_ocr():
    assert refusal(pdf_bytes([], text_layer=False), "signed-scan.pdf") == (
        "signed-scan.pdf holds scanned images with no text: run OCR on it first (most scanners and PDF tools can), "
        "or paste the agreement's text."
    )


def test_it_refuses_text_too_short_to_be_an_agreement():
    assert refusal(b"Please find the agreement attached.\n", "email.txt") == (
        "email.txt holds only 30 letters of text, too little for an agreement: "
        "check it is the right file, or paste the agreement's full text."
    )


def test_every_refusal_is_an_intake_refusal_and_a_value_error():
    with pytest.raises(ValueError):
        agreement_text(data=b"", filename="x.txt")
