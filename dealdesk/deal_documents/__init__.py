"""The deal document: one JSON format for a whole deal (docs/deal-document.md).

- documents.py: the records the format is made of, and the reader that checks a document whole;
- loading.py: `deals_load` / `deal_document_load`, the one loader for the sample deals and any document;
- export.py: `deal_document_export`, any deal of the desk written as a document;
- schema.py: the JSON Schema, generated from the records (deal-document.v1.schema.json);
- ocf.py: a deal's instruments as an Open Cap Format bundle;
- views.py: the export as a download from the deal's admin page.
"""
