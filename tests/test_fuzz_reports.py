"""Garbage in every filter of every report, on its page, in its CSV and through export_report: refused in words.

Every registered report is covered. As in the admin fuzz, every filter gets
every bad value of its kind, all filters in one request (each is checked apart
from the others), then each filter alone; what a request let through is sent
again without the refused ones, so the report is built with it. A request that
fails is sent again one filter at a time, so the failure names the filter.
"""
from __future__ import annotations

from io import StringIO

import pytest
from django import forms
from django.core.management import CommandError, call_command
from django.urls import reverse

from deals.reporting import all_reports
from obligations.models import Occurrence
from tests.test_fuzz_admin import DATES, HUGE, IDS, NUL, bad_values, quiet_error_log, world  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# What the page and the CSV read besides the filters: django-tables2's sort and paging, the CSV's BOM switch.
TABLE_PARAMETERS = {"sort": forms.CharField(), "page": forms.IntegerField(), "per_page": forms.IntegerField(),
                    "bom": forms.CharField()}


class ReportFuzzer:
    def __init__(self, client, report, kind: str):
        self.client, self.report, self.kind = client, report, kind
        self.url = reverse(f"reports:{kind}", args=[report.name])
        self.fields = {**report.filterset({}).form.fields, **TABLE_PARAMETERS}
        self.requests = 0
        self.failures: list[str] = []

    def send(self, params: dict) -> tuple[list[str], set[str] | None]:
        """GET the report with these parameters: what went wrong, and the parameters it refused (None: it crashed)."""
        self.requests += 1
        try:
            response = self.client.get(self.url, params)
            body = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as error:  # what the user would see as a 500, or a download cut short
            return [f"server error {type(error).__name__}: {str(error)[:160]}"], None
        text = body.decode("utf-8", "replace")
        if response.status_code >= 500:
            return [f"server error {response.status_code}"], None
        if self.kind == "page":
            if response.status_code != 200:
                return [f"answered {response.status_code}"], None
            refused = set(response.context["filter"].form.errors)
            if refused and 'class="errornote"' not in text:
                return ["refused without an error message"], refused
            return [], refused
        if response.status_code == 400:
            # The refusal names each filter it refuses, by its label.
            form = self.report.filterset(params).form
            form.is_valid()
            unnamed = [name for name in form.errors if name != "__all__" and form.fields[name].label not in text]
            return ([f"refused without naming {unnamed}"] if unnamed or not text else []), set(form.errors)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/csv"):
            return [f"answered {response.status_code} {response['Content-Type']}"], None
        return [], set()

    def check(self, batch: list[tuple[str, str]]) -> set[str] | None:
        found, refused = self.send(dict(batch))
        if found:
            blamed = False
            if len(batch) > 1:
                for name, value in batch:
                    alone = self.send({name: value})[0]
                    if alone:
                        self.failures.append(f"{self.url}?{name}={value[:40]!r}: {'; '.join(alone)}")
                        blamed = True
            if not blamed:
                spoilt = "&".join(f"{name}={value[:40]!r}" for name, value in batch)
                self.failures.append(f"{self.url}?{spoilt}: {'; '.join(found)}")
        return refused

    def fuzz(self) -> None:
        lists = {name: bad_values(field) for name, field in self.fields.items()}
        accepted: dict[str, list[str]] = {}
        for round_ in range(max(map(len, lists.values()))):
            batch = [(name, values[round_]) for name, values in lists.items() if round_ < len(values)]
            refused = self.check(batch)
            for name, value in batch if refused is not None else []:
                if name not in refused:
                    accepted.setdefault(name, []).append(value)
        for round_ in range(max(map(len, accepted.values()), default=0)):
            self.check([(name, values[round_]) for name, values in accepted.items() if round_ < len(values)])
        for name, values in lists.items():
            self.check([(name, values[0])])


@pytest.mark.usefixtures("world")
def test_garbage_in_any_report_filter_is_refused_in_words_on_the_page_and_in_the_csv(admin_client):
    requests, failures, filters = 0, [], 0
    for report in all_reports():
        for kind in ("page", "csv"):
            fuzzer = ReportFuzzer(admin_client, report, kind)
            fuzzer.fuzz()
            requests += fuzzer.requests
            filters += len(fuzzer.fields)
            failures += fuzzer.failures
    print(f"report fuzz: {len(all_reports())} reports, {filters} filters and parameters, {requests} requests, "
          f"{len(failures)} failures")
    assert not failures, f"{len(failures)} failures in {requests} requests:\n" + "\n".join(failures)


# export_report ---------------------------------------------------------------------------------

OPTIONS = {"start": "--from", "end": "--to", "as_of": "--as-of", "deal": "--deal", "party": "--party",
           "user": "--user", "status": "--status", "model": "--model"}
TEXT = [NUL, "x" * 10_001, "=1+1", "<script>alert(1)</script>", "' OR 1=1 --", "-1"]


def option_values(name: str) -> list[str]:
    if name in ("start", "end", "as_of"):
        return [*DATES, HUGE, "-1", ""]
    if name in ("deal", "party", "user"):
        return [*IDS, "-1", ""]
    return [*TEXT, ""]


@pytest.mark.usefixtures("world")
def test_garbage_in_any_export_report_option_is_a_command_error_in_words():
    calls, failures = 0, []
    for report in all_reports():
        for name, option in OPTIONS.items():
            if name not in report.filterset_class.base_filters:
                continue
            for value in option_values(name):
                calls += 1
                try:
                    call_command("export_report", report.name, option, value, stdout=StringIO())
                except CommandError as error:
                    # In words that say which option is wrong: "--from must be a date like 2005-06-30, not ...".
                    said = str(error).lower()
                    if option.lstrip("-") not in said and name.replace("_", " ") not in said:
                        failures.append(f"export_report {report.name} {option} {value[:40]!r}: {error}")
                except Exception as error:  # a traceback on the auditor's screen
                    failures.append(f"export_report {report.name} {option} {value[:40]!r}: "
                                    f"{type(error).__name__}: {str(error)[:160]}")
    print(f"export_report fuzz: {calls} calls, {len(failures)} failures")
    assert not failures, f"{len(failures)} failures in {calls} calls:\n" + "\n".join(failures)


@pytest.mark.usefixtures("world")
def test_a_page_size_below_one_in_the_address_still_shows_the_report(admin_client):
    response = admin_client.get(reverse("reports:page", args=["deadlines"]), {"per_page": "-1"})

    assert response.status_code == 200
    assert response.context["table"].paginator.count == Occurrence.objects.count() == 3
