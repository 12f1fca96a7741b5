"""Agreement intake: an agreement's text in, a proposed deal document out, a person confirms.

    extract.py    bytes of an upload (text, EDGAR HTML, PDF, .docx) -> the agreement's plain text
    sections.py   plain text -> its numbered sections, each with its character span
    parties.py    preamble, recitals, notices and signature pages -> deal, party, address, role
                  and instrument proposals
    clauses.py    a section's sentences -> obligation proposals with their deadline rules
    reading.py    the interface: Span, Section, Proposal, Reading, Reader; RuleReader runs the above
    assembly.py   the proposals a person accepted or edited -> one deal document (docs/deal-document.md)
    scoring.py    a reading against a reviewed deal document -> precision and recall

A stronger reader (a model, a service) implements `reading.Reader` and nothing else changes.
"""
