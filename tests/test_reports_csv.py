import csv
import datetime
from decimal import Decimal, InvalidOperation
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models.signals import post_init
from django.http import StreamingHttpResponse
from django.utils import timezone

from instruments.models import Draw
from obligations.models import Obligation, Occurrence, Reminder
from parties.models import DealParty
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2005, 9, 20, 12, tzinfo=datetime.UTC)  # 08:00 on 2005-09-20 in New York
EVIL = '=HYPERLINK("http://evil.example","Click")'

HEADERS = {
    "deadlines": "deal,section,obligation,obligor,due_date,status,done_on,period_end,computation",
    "compliance": "deal,section,obligation,obligor,due_date,outcome,days_late,done_on,evidence",
    "attestations": "deal,section,obligation,obligor,protects,period_start,period_end,due_date,outcome,attested_by,"
                    "done_on,evidence",
    "reminders": "deal,section,obligation,due_date,reminder,recipients,scheduled_for,sent_at,status,attempts,"
                 "last_error",
    "instruments": "deal,kind,name,issuer,holder,section,principal,interest_rate,secured,issue_date,maturity_date,"
                   "conversion_price,shares,exercise_price,expiry_date,authorized,issued,reserved,summary",
    "parties": "deal,role,party,signatory,notice_address,phone,fax,email,copy_to",
    "fees": "kind,deal,item,payer,payee,date,base,rate,days,amount,how",
    "fee-totals": "totals_for,name,fees,penalties,amount",
    "history": "when,user,model,object,change,changes",
}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def auditor(client, django_user_model):
    user = django_user_model.objects.create_user("auditor", is_staff=True)
    user.groups.add(Group.objects.get(name="Auditors"))
    client.force_login(user)
    return client


@pytest.fixture
def desk():
    """One deal with something in every report, and text that a spreadsheet would run as a formula."""
    deal = DealFactory(title="CalbaTech 2005 notes")
    DealFactory(title="Another deal")
    company = PartyFactory(legal_name=EVIL)
    address = AddressFactory(party=company, label="Notices", fax="-5551234")
    listing = ObligationFactory(deal=deal, obligor=company, section="4(h)", title="-5 days")
    DealParty.objects.filter(deal=deal, party=company).update(notice_address=address)
    DeadlineRuleFactory(obligation=listing)
    # SPA s.4(f) style: 10% a year on an unpaid amount, due 2005-08-26; the base is entered as a
    # negative amount (a credit), so the accrued amount is a negative number: 25 days = -2500.00.
    expenses = ObligationFactory(deal=deal, obligor=company, section="4(f)", title="Reimburse expenses",
                                 penalty=Obligation.Penalty.ANNUAL_ON_AMOUNT, penalty_rate=Decimal("0.10"),
                                 penalty_base_amount=Decimal("0"))
    Obligation.objects.filter(pk=expenses.pk).update(penalty_base_amount=Decimal("-365000.00"))
    DeadlineRuleFactory(obligation=expenses, kind="fixed_date", frequency="", fixed_date=datetime.date(2005, 8, 26))
    agent = PartyFactory(legal_name="Oftring & Company, Inc.")
    line = EquityLineFactory(deal=deal, issuer=company, placement_agent=agent)
    Draw.objects.create(equity_line=line, date=datetime.date(2005, 7, 1), amount=Decimal("250000.00"))
    ConvertibleNoteFactory(deal=deal, issuer=company, name="Closing Notes", principal=Decimal("800000.00"))
    first = Occurrence.objects.get(rule__obligation=listing, due_date=datetime.date(2005, 6, 7))
    Reminder.objects.create(occurrence=first, due_date=first.due_date, days_from_due=-7,
                            scheduled_for=datetime.date(2005, 5, 31), status=Reminder.Status.SENT,
                            sent_at=timezone.now(), attempts=1, recipient="finance@calbatech.example.com")
    Reminder.objects.create(occurrence=first, due_date=first.due_date, days_from_due=1,
                            scheduled_for=datetime.date(2005, 6, 8), status=Reminder.Status.FAILED, attempts=6,
                            last_error="=cmd|' /C calc'!A0")
    return deal


def download(client, url: str) -> tuple[bytes, list[list[str]]]:
    response = client.get(url)
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    body = b"".join(response.streaming_content)
    return body, list(csv.reader(StringIO(body.decode("utf-8-sig"), newline="")))


def command(*args: str) -> str:
    out = StringIO()
    call_command("export_report", *args, stdout=out)
    return out.getvalue()


def filters_for(name: str, deal) -> tuple[str, list[str]]:
    """The same filters as a query string (the screen, the button) and as command options."""
    company = deal.deal_parties.get().party_id
    return {
        "deadlines": (f"deal={deal.pk}&start=2005-06-01&end=2005-12-31&status=open",
                      ["--deal", str(deal.pk), "--from", "2005-06-01", "--to", "2005-12-31", "--status", "open"]),
        "compliance": (f"deal={deal.pk}&start=2005-06-01&end=2005-09-30&status=missed",
                       ["--deal", str(deal.pk), "--from", "2005-06-01", "--to", "2005-09-30", "--status", "missed"]),
        "attestations": (f"deal={deal.pk}&start=2005-06-01&end=2005-09-30",
                         ["--deal", str(deal.pk), "--from", "2005-06-01", "--to", "2005-09-30"]),
        "reminders": (f"deal={deal.pk}&status=failed", ["--deal", str(deal.pk), "--status", "failed"]),
        "instruments": (f"deal={deal.pk}&party={company}", ["--deal", str(deal.pk), "--party", str(company)]),
        "parties": (f"deal={deal.pk}", ["--deal", str(deal.pk)]),
        "fees": (f"deal={deal.pk}&as_of=2005-09-20", ["--deal", str(deal.pk), "--as-of", "2005-09-20"]),
        "fee-totals": (f"deal={deal.pk}&as_of=2005-09-20", ["--deal", str(deal.pk), "--as-of", "2005-09-20"]),
        "history": (f"deal={deal.pk}&start=2005-09-20&end=2005-09-20",
                    ["--deal", str(deal.pk), "--from", "2005-09-20", "--to", "2005-09-20"]),
    }[name]


def is_number(cell: str) -> bool:
    try:
        Decimal(cell)
    except InvalidOperation:
        return False
    return True


@pytest.mark.parametrize("name", list(HEADERS))
def test_the_button_and_the_command_write_the_rows_of_the_filtered_screen(auditor, desk, name):
    if name == "attestations":
        # SPA s.4(j) style standing covenant, attested each quarter.
        company = desk.deal_parties.get().party
        existence = ObligationFactory(deal=desk, obligor=company, section="4(j)", title="+Keep its existence",
                                      kind=Obligation.Kind.STANDING_COVENANT)
        DeadlineRuleFactory(obligation=existence, frequency="quarterly", offset=0)
    query, options = filters_for(name, desk)

    page = auditor.get(f"/reports/{name}/?{query}").content.decode()
    assert f'href="/reports/{name}/csv/?{query.replace("&", "&amp;")}"' in page
    body, rows = download(auditor, f"/reports/{name}/csv/?{query}")
    written = command(name, *options)

    assert body.decode() == written.replace("\n", "\r\n").replace("\r\r\n", "\r\n")
    assert ",".join(rows[0]) == HEADERS[name]
    assert len(rows) > 1
    # The report table's body rows (its header row is a bare <tr>; the page's navigation has tables too).
    shown = page.split('id="result_list"')[1].split("</table>")[0].count("<tr ")
    assert len(rows) - 1 == shown
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")) or is_number(cell), cell


def test_the_download_holds_every_page_not_only_the_one_on_screen(auditor, desk):
    rule = Occurrence.objects.first().rule
    Occurrence.objects.bulk_create([Occurrence(rule=rule, key=f"extra-{n}", due_date=datetime.date(2007, 1, 1),
                                               computation="Entered by hand") for n in range(60)])

    _, rows = download(auditor, "/reports/deadlines/csv/?page=2")

    assert len(rows) - 1 == Occurrence.objects.count() == 78


def test_the_download_keeps_the_sort_of_the_screen(auditor, desk):
    _, rows = download(auditor, "/reports/deadlines/csv/?sort=-due_date&start=2005-06-01&end=2005-08-31")

    assert [row[4] for row in rows[1:]] == ["2005-08-26", "2005-08-05", "2005-07-08", "2005-06-07"]


def test_text_that_looks_like_a_formula_is_neutralised_and_numbers_stay_numbers(auditor, desk):
    deadlines = download(auditor, "/reports/deadlines/csv/?start=2005-06-07&end=2005-06-07")[1]
    fees_body, fees = download(auditor, "/reports/fees/csv/")
    reminders = download(auditor, "/reports/reminders/csv/?status=failed")[1]
    parties = download(auditor, "/reports/parties/csv/")[1]

    assert deadlines[1][2:4] == ["'-5 days", "'" + EVIL]
    assert reminders[1][-1] == "'=cmd|' /C calc'!A0"
    assert [row[6] for row in parties[1:]] == ["'-5551234"]
    penalty = next(row for row in fees if row[0] == "Penalty accrued")
    assert penalty[5:] == ["2005-08-26", "-365000.00", "0.100000", "25", "-2500.00",
                           "In breach 2005-08-26 to 2005-09-19 (25 days). Base on 2005-09-20: -365,000.00."]
    assert b",-365000.00,0.100000,25,-2500.00,\"In breach" in fees_body
    fee = next(row for row in fees if row[0] == "Placement fee")
    assert fee[3:] == ["'" + EVIL, "Oftring & Company, Inc.", "2005-07-01", "250000.00", "0.010000", "", "2500.00",
                        "1% of the draw."]


def test_a_byte_order_mark_only_when_asked(auditor, desk):
    plain = b"".join(auditor.get("/reports/parties/csv/").streaming_content)
    marked = b"".join(auditor.get("/reports/parties/csv/?bom=1").streaming_content)

    assert plain.startswith(b"deal,role,")
    assert marked.startswith(b"\xef\xbb\xbfdeal,role,")
    assert command("parties").startswith("deal,role,")
    assert command("parties", "--bom").startswith("\ufeffdeal,role,")


def test_the_download_is_an_attachment_named_after_the_report_and_the_day(auditor):
    response = auditor.get("/reports/deadlines/csv/")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="dealdesk-deadlines-2005-09-20.csv"'


def test_a_download_with_a_bad_filter_says_what_is_wrong(auditor):
    response = auditor.get("/reports/deadlines/csv/?end=June")

    assert response.status_code == 400
    assert response.content.decode() == "Due to: Enter a valid date."


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["deadlines", "--from", "2005-13-45"], "--from must be a date like 2005-06-30, not '2005-13-45'"),
        (["compliance", "--as-of", "yesterday"], "--as-of must be a date like 2005-06-30, not 'yesterday'"),
        (["reminders", "--from", "2005-09-30", "--to", "2005-09-01"], "--to (2005-09-01) is before --from (2005-09-30)"),
        (["parties", "--status", "open"], "The parties report cannot be filtered by --status."),
        (["instruments", "--model", "parties.party"], "The instruments report cannot be filtered by --model."),
        (["deadlines", "--status", "late"], "--status must be one of open, overdue, due_soon, done, waived; not 'late'."),
        (["fees", "--party", "999"], "No party with id 999."),
        (["history", "--deal", "999"], "No deal with id 999. There are no deals yet."),
    ],
)
def test_the_command_refuses_bad_options_in_plain_words_and_writes_nothing(args, message):
    out = StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", *args, stdout=out)

    assert str(excinfo.value) == message
    assert out.getvalue() == ""


def test_the_command_names_the_models_the_history_knows(desk):
    with pytest.raises(CommandError) as excinfo:
        call_command("export_report", "history", "--model", "parties.nothing", stdout=StringIO())

    assert str(excinfo.value).startswith("--model must be one of ")
    assert "obligations.occurrence" in str(excinfo.value)
    assert str(excinfo.value).endswith("; not 'parties.nothing'.")


def test_the_command_knows_every_report():
    for name, header in HEADERS.items():
        assert command(name).splitlines()[0] == header


def test_a_long_export_is_streamed_without_loading_every_row_first(auditor):
    obligation = ObligationFactory(section="4(h)", title="Monthly list")
    rule = DeadlineRuleFactory(obligation=obligation, kind="fixed_date", frequency="",
                               fixed_date=datetime.date(2005, 6, 7))
    Occurrence.objects.bulk_create(
        [Occurrence(rule=rule, key=f"bulk-{n}", due_date=datetime.date(2006, 1, 1) + datetime.timedelta(days=n % 700),
                    computation="Entered in bulk") for n in range(20_000)],
        batch_size=2_000,
    )
    loaded = []

    def count(sender, instance, **kwargs):
        if instance.pk is not None:  # read from the database, not built to compute a standing
            loaded.append(1)

    post_init.connect(count, sender=Occurrence)
    try:
        response = auditor.get("/reports/deadlines/csv/")
        assert isinstance(response, StreamingHttpResponse)
        chunks = iter(response.streaming_content)
        first = [next(chunks) for _ in range(3)]
        assert first[0] == b"deal,section,obligation,obligor,due_date,status,done_on,period_end,computation\r\n"
        if connection.vendor == "postgresql":
            # PostgreSQL writes the rows (COPY): no model instance at all, handed on 64 KB at a time.
            assert loaded == []
        else:
            # The header and two rows are out after one batch of the queryset, not after all 20,001 rows.
            assert 0 < len(loaded) <= 500
        rest = list(chunks)
    finally:
        post_init.disconnect(count, sender=Occurrence)

    body = b"".join(first + rest)
    assert body.count(b"\r\n") == 1 + 20_001
    assert len(first + rest) > 3
    assert len(loaded) == (0 if connection.vendor == "postgresql" else 20_001)
