"""The JSON Schema of the deal document, generated from the records of documents.py so the two cannot drift.

The reader (documents.py) stays the authority: it also checks what a schema cannot say
simply (that a name refers to a record of the same document, that a closing item's role is
played by a party). The file `deal-document.v1.schema.json` beside this module is this
function's output; tests/test_deal_document.py fails when they differ, and
`manage.py export_deal --schema FILE` writes it again.
"""
from __future__ import annotations

import dataclasses
import datetime
import json
import types
import typing
from decimal import Decimal
from pathlib import Path

from .documents import FORMAT_VERSION, DealData, _Record

SCHEMA_FILE = Path(__file__).resolve().parent / f"deal-document.v{FORMAT_VERSION}.schema.json"

# As documents.py reads them: exact numbers in quotes, days written YYYY-MM-DD.
DECIMAL = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "description": 'An exact number in quotes, e.g. "0.03".'}
DATE = {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "format": "date"}


def document_schema() -> dict:
    definitions: dict[str, dict] = {}
    _define(DealData, definitions)
    root = definitions.pop(DealData.__name__)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://dealdesk.example/schema/deal-document.v{FORMAT_VERSION}.schema.json",
        "title": f"Deal document, version {FORMAT_VERSION}",
        "description": "One deal of the desk: see docs/deal-document.md. Keys starting with \"_\" are comments.",
        **root,
        "$defs": dict(sorted(definitions.items())),
    }


def schema_text() -> str:
    return json.dumps(document_schema(), indent=2, ensure_ascii=False) + "\n"


def _define(cls: type[_Record], definitions: dict[str, dict]) -> dict:
    name = cls.__name__
    if name not in definitions:
        definitions[name] = {}  # placed first: a rule's limbs are rules
        hints = typing.get_type_hints(cls)
        properties = {}
        for f in dataclasses.fields(cls):
            properties[f.name] = _property(f, hints[f.name], definitions)
        if cls is DealData:
            properties["format_version"] = {"const": FORMAT_VERSION}
        definitions[name] = {
            "type": "object",
            "properties": properties,
            "patternProperties": {"^_": {"description": "A comment for the reader; the loader skips it."}},
            "additionalProperties": False,
            "required": [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING],
        }
    return {"$ref": f"#/$defs/{name}"}


def _property(f: dataclasses.Field, hint, definitions: dict[str, dict]) -> dict:
    nullable = typing.get_origin(hint) in (types.UnionType, typing.Union)
    if nullable:
        (hint,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
    if "choices" in f.metadata:
        model, field_name = f.metadata["choices"]
        allowed = [str(choice) for choice, _ in model._meta.get_field(field_name).flatchoices]
        if f.default == "":
            allowed = ["", *allowed]  # left empty: not set
        schema = {"type": "string", "enum": allowed}
    elif typing.get_origin(hint) is tuple:
        item = typing.get_args(hint)[0]
        items = _define(item, definitions) if dataclasses.is_dataclass(item) else _scalar(item)
        schema = {"type": "array", "items": items}
    elif dataclasses.is_dataclass(hint):
        schema = _define(hint, definitions)
    else:
        schema = _scalar(hint)
    if nullable:
        schema = {"anyOf": [schema, {"type": "null"}]}
    if f.default is not dataclasses.MISSING:
        schema = {**schema, "default": list(f.default) if isinstance(f.default, tuple) else f.default}
    return schema


def _scalar(hint) -> dict:
    if hint is str:
        return {"type": "string"}
    if hint is bool:
        return {"type": "boolean"}
    if hint is int:
        return {"type": "integer"}
    if hint is Decimal:
        return dict(DECIMAL)
    if hint is datetime.date:
        return dict(DATE)
    raise TypeError(f"No schema for a field of type {hint!r}.")
