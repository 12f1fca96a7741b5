"""The intake's forms: an agreement to read, a proposal's record as edited, the deal's title."""
from __future__ import annotations

import json

from django import forms

from obligations.models import Obligation

from .services import PASTED, upload_refusal

ACCEPTED_FILES = ".txt,.htm,.html,.pdf,.docx"


class AgreementForm(forms.Form):
    # An empty file is refused by extract.py, in the same words as every other refusal.
    file = forms.FileField(required=False, label="Agreement file", allow_empty_file=True,
                           help_text="Plain text, EDGAR HTML, PDF or Word (.docx).",
                           widget=forms.ClearableFileInput(attrs={"accept": ACCEPTED_FILES}))
    text = forms.CharField(required=False, label="Or paste its text", strip=False,
                           widget=forms.Textarea(attrs={"rows": 12, "class": "intake-paste"}))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        # The size is known before the upload is read: a file too large is refused unread.
        if upload is not None and (refusal := upload_refusal(size=upload.size, name=upload.name)):
            raise forms.ValidationError(refusal)
        return upload

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("file") is None and not cleaned.get("text", "").strip():
            raise forms.ValidationError("Choose the agreement's file, or paste its text.")
        if cleaned.get("file") is not None and cleaned.get("text", "").strip():
            raise forms.ValidationError("Give the file or the pasted text, not both.")
        if refusal := upload_refusal(size=len(cleaned.get("text", "").encode()), name=PASTED):
            raise forms.ValidationError(refusal)
        return cleaned


def _parsed_json(value: str, what: str, expected: type):
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as error:
        raise forms.ValidationError(
            f"Not valid JSON in {what}: {error.msg} at line {error.lineno}, column {error.colno}.") from None
    if not isinstance(parsed, expected):
        shape = "an object {...}" if expected is dict else "a list [...]"
        raise forms.ValidationError(f"Write {what} as {shape}.")
    return parsed


class RecordForm(forms.Form):
    """Any proposal's record as JSON; an obligation's also by its title, section, kind and rules."""

    record = forms.CharField(label="Record (JSON)", strip=False,
                             widget=forms.Textarea(attrs={"rows": 10, "class": "intake-json", "spellcheck": "false"}))

    def clean_record(self) -> dict:
        return _parsed_json(self.cleaned_data["record"], "the record", dict)


class ObligationRecordForm(forms.Form):
    title = forms.CharField(max_length=200)
    section = forms.CharField(max_length=40)
    kind = forms.ChoiceField(choices=Obligation.Kind.choices)
    rules = forms.CharField(label="Rules (JSON)", required=False, strip=False,
                            widget=forms.Textarea(attrs={"rows": 6, "class": "intake-json", "spellcheck": "false"}))
    record = forms.CharField(label="Other fields (JSON)", strip=False,
                             widget=forms.Textarea(attrs={"rows": 6, "class": "intake-json", "spellcheck": "false"}))

    def clean_rules(self) -> list:
        return _parsed_json(self.cleaned_data["rules"] or "[]", "the rules", list)

    def clean_record(self) -> dict:
        return _parsed_json(self.cleaned_data["record"], "the other fields", dict)


NAMED_FIELDS = ("title", "section", "kind", "rules")


def edit_form(*, kind: str, record: dict, data=None, prefix: str = "") -> forms.Form:
    """The form that edits a proposal's record, filled with `record`."""
    if kind == "obligation":
        rest = {name: value for name, value in record.items() if name not in NAMED_FIELDS}
        initial = {"title": record.get("title", ""), "section": record.get("section", ""),
                   "kind": record.get("kind", ""), "rules": json.dumps(record.get("rules", []), indent=1),
                   "record": json.dumps(rest, indent=1, ensure_ascii=False)}
        return ObligationRecordForm(data=data, initial=initial, prefix=prefix)
    return RecordForm(data=data, initial={"record": json.dumps(record, indent=1, ensure_ascii=False)}, prefix=prefix)


def edited_record(form: forms.Form) -> dict:
    """The record a valid edit form holds."""
    record = dict(form.cleaned_data["record"])
    if isinstance(form, ObligationRecordForm):
        record.update({name: form.cleaned_data[name] for name in NAMED_FIELDS})
    return record


class TitleForm(forms.Form):
    title = forms.CharField(max_length=200, label="Deal title",
                            help_text="The deal's name on the desk; no two deals share one.")
