"""The seed agreements, one deal document each in this folder, and `sample_deals_load` behind `manage.py load_sample_deals`.

The documents
-------------
One file per deal, `<year>-<company>-<agreement>.json`, loaded in file-name order, each a
deal document as docs/deal-document.md describes it (the records are in
dealdesk/deal_documents/documents.py). A party in two documents must be written the same
way in both. Beside a deal's document, `<same name>.sections.json` holds its section map:
{"deal": <the deal's title>, "sections": [...]}, every numbered section of the agreement in
order, joined to the document as its "sections" when read.

Comments: any key that starts with "_" is for the reader, and the loader skips it.
"_comment" explains the record it stands in; "_<field>" (e.g. "_closing_date") explains that
one field, with the agreement sections it comes from ("s.4(l): ...").

A document is read and checked whole before anything is saved; a mistake raises
DocumentError naming the file and the record. The loading is the one every deal document
gets (dealdesk.deal_documents.loading.deals_load): all documents in one transaction, rows
matched by natural key, so running it again changes nothing.
"""
from __future__ import annotations

from pathlib import Path

from dealdesk.deal_documents.documents import DocumentError
from dealdesk.deal_documents.loading import DealSummary, LoadResult, deals_load

from .documents import documents_read, section_maps_read

__all__ = ["FOLDER", "DealSummary", "DocumentError", "LoadResult", "documents_read", "sample_deals_load",
           "section_maps_read"]

FOLDER = Path(__file__).resolve().parent


def sample_deals_load(*, folder: Path | None = None) -> LoadResult:
    """Load every deal document of `folder` (default: the seed documents); running it again changes nothing.

    Raises DocumentError, before anything is saved, when a document is malformed.
    """
    return deals_load(deals=documents_read(folder=folder or FOLDER))
