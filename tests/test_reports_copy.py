"""On PostgreSQL the big reports' CSV is written by the database (COPY): byte for byte the CSV Python writes."""
import csv
import datetime
from decimal import Decimal
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from deals.csvsafe import csv_cell
from deals.reporting import copy_statement, csv_lines, csv_stream, get_report
from obligations.models import DeadlineRule, Occurrence, Reminder
from parties.models import Party
from parties.models import DealParty
from instruments.models import ReserveCovenant, ShareReservation
from tests.factories import (
    AddressFactory,
    ConvertibleNoteFactory,
    DeadlineRuleFactory,
    DealFactory,
    DealPartyFactory,
    EquityLineFactory,
    ObligationFactory,
    PartyFactory,
    PersonFactory,
    ShareClassFactory,
    WarrantFactory,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's; elsewhere Python writes"),
]

COPIED = ("deadlines", "compliance", "reminders", "attestations")
TODAY = datetime.date(2005, 9, 20)
AWKWARD = [
    "Plain",
    "Commas, and more, commas",
    'Say "hello" and \'bye\'',
    "Two\nlines",
    "Windows\r\nlines",
    "=HYPERLINK(\"http://evil.example\",\"Click\")",
    "+1 formula",
    "-2500.00 looks like a number",
    "@SUM(A1)",
    "\tTabbed",
    "\rCarriage",
    "Ünïcödé — 中文 ✓ 🙂",
    " leading space",
    "trailing space ",
    "'already quoted",
]


def at(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC), tick=False)


@pytest.fixture
def awkward_desk():
    """Due dates whose every text is awkward, in every outcome, with a history to look back on."""
    with at(datetime.date(2005, 6, 1)):
        rules = []
        for index, text in enumerate(AWKWARD):
            deal = DealFactory(title=f"{text} deal {index}")
            obligor = PartyFactory(legal_name=f"{text} obligor {index}")
            obligation = ObligationFactory(deal=deal, obligor=obligor, title=text,
                                           section="" if index % 4 == 0 else text[:30],
                                           kind="standing_covenant" if index % 2 else "reporting")
            # Who a covenant protects, in the order the report names them.
            obligation.beneficiaries.set([obligor, *(Party.objects.get_or_create(legal_name=f"{name} buyer")[0]
                                                     for name in AWKWARD[index % 3::7])])
            rules.append(DeadlineRuleFactory(obligation=obligation, kind=DeadlineRule.Kind.FIXED_DATE, frequency="",
                                             fixed_date=datetime.date(2005, 7, 1)))
        day = datetime.date(2005, 6, 20)
        for index, rule in enumerate(rules):
            for n, text in enumerate(AWKWARD[index:] + AWKWARD[:index]):
                Occurrence.objects.create(
                    rule=rule, key=f"k{n}", due_date=day + datetime.timedelta(days=n * 7 - index),
                    period_end=None if n % 3 == 0 else day - datetime.timedelta(days=n),
                    computation=text,
                )
    outcomes = [
        {"status": "done", "done_on": datetime.date(2005, 6, 1), "evidence": AWKWARD[3]},  # early
        {"status": "done", "done_on": None, "evidence": ""},  # on the day (done_on set below)
        {"status": "done", "done_on": "late1", "evidence": AWKWARD[5]},
        {"status": "done", "done_on": "late9", "evidence": AWKWARD[11]},
        {"status": "waived", "done_on": None, "evidence": AWKWARD[6]},
        {"status": "open", "done_on": None, "evidence": ""},
    ]
    attesters = [
        get_user_model().objects.create(username="jdoe", first_name="Jane", last_name="Doe"),
        get_user_model().objects.create(username="=nobody"),
        get_user_model().objects.create(username="ulast", last_name=" Ünï"),
    ]
    with at(datetime.date(2005, 8, 15)):
        for index, occurrence in enumerate(Occurrence.objects.order_by("id")):
            wanted = outcomes[index % len(outcomes)]
            if wanted["status"] == "open":
                continue
            done_on = {None: occurrence.due_date, "late1": occurrence.due_date + datetime.timedelta(days=1),
                       "late9": occurrence.due_date + datetime.timedelta(days=9)}.get(wanted["done_on"],
                                                                                       wanted["done_on"])
            occurrence.done_by = attesters[index % len(attesters)] if wanted["status"] == "done" else None
            occurrence.status = wanted["status"]
            occurrence.done_on = None if wanted["status"] == "waived" else done_on
            occurrence.evidence = wanted["evidence"] or "Filed"
            occurrence.save()
    statuses = [choice for choice, _ in Reminder.Status.choices]
    for index, occurrence in enumerate(Occurrence.objects.order_by("id")[:60]):
        created = datetime.date(2005, 6, 1) + datetime.timedelta(days=index * 3)
        with at(created):
            status = statuses[index % len(statuses)]
            # Sent in summer (-04:00) and in winter (-05:00), some after the as-of days.
            sent = datetime.datetime(2005, 6, 1, 13, 5, 9, 987654, tzinfo=datetime.UTC) + datetime.timedelta(
                days=index * 5, hours=index) if status == "sent" else None
            Reminder.objects.create(
                occurrence=occurrence, due_date=occurrence.due_date, days_from_due=(-7, -1, 0, 1, 3, 12)[index % 6],
                scheduled_for=created, status=status, attempts=index % 4, sent_at=sent,
                recipient=("desk@example.com", "=cmd@example.com", "")[index % 3],
                last_error=AWKWARD[index % len(AWKWARD)] if status == "failed" else "",
            )
    with at(datetime.date(2005, 9, 1)):
        # A rule deleted since: as of a day before, its due dates are listed without an obligation.
        rules[1].delete()
    return rules


FILTERS = [
    {},
    {"start": "2005-07-01", "end": "2005-08-31"},
    {"as_of": "2005-07-15"},
    {"as_of": "2005-08-20", "status": "open"},
    {"status": "done"},
    {"status": "overdue"},
    {"status": "late"},
    {"status": "missed"},
    {"status": "on_time"},
    {"status": "sent"},
    {"as_of": "2005-07-20", "status": "pending"},
]


def python_csv(report, filterset, order=(), bom=False) -> bytes:
    return "".join(csv_lines(report, filterset, order, bom=bom)).encode()


def copied_csv(report, filterset, order=(), bom=False) -> bytes:
    assert copy_statement(report, filterset, order) is not None  # the database writes it, not Python
    return b"".join(csv_stream(report, filterset, order, bom=bom))


def rows_written_alike(report, filters, orders) -> int:
    """For each filter and sort, the database writes the CSV Python writes, byte for byte; the rows compared."""
    compared = 0
    for data in filters:
        filterset = report.filterset(data)
        assert filterset.is_valid()
        for order in orders:
            order = report.clean_order(order)
            expected = python_csv(report, filterset, order)
            assert copied_csv(report, filterset, order) == expected, (data, order)
            compared += expected.count(b"\r\n") - 1
    return compared


@pytest.mark.parametrize("name", COPIED)
def test_the_database_writes_the_same_bytes_as_python_for_every_filter_and_sort(awkward_desk, name):
    report = get_report(name)
    compared = 0  # rows
    with at(TODAY):
        for data in FILTERS:
            filterset = report.filterset(data)
            assert filterset.is_valid() or "status" in data, data  # a status the other report has not
            if not filterset.is_valid():
                continue
            for order in ((), ("-deal",), ("obligor", "-due_date"), ("section",), ("-done_on",), ("sent_at",),
                          ("-attempts", "reminder")):
                order = report.clean_order(order)
                expected = python_csv(report, filterset, order)
                assert copied_csv(report, filterset, order) == expected, (data, order)
                compared += expected.count(b"\r\n") - 1
    assert compared > 300  # rows compared, over every filter and sort


@pytest.mark.parametrize("name", ["deadlines", "attestations"])  # rule 5's obligation is a standing covenant
def test_filters_by_deal_and_party_and_a_byte_order_mark_match_too(awkward_desk, name):
    report = get_report(name)
    obligation = awkward_desk[5].obligation
    for data in ({"deal": obligation.deal_id}, {"party": obligation.obligor_id}):
        filterset = report.filterset(data)
        assert filterset.is_valid()
        with at(TODAY):
            expected = python_csv(report, filterset, bom=True)
            assert expected.startswith("\ufeffdeal,section,".encode())
            rows = list(csv.reader(StringIO(expected.decode("utf-8-sig"), newline="")))
            assert len(rows) == 1 + len(AWKWARD) + 1  # and the rule's own due date
            assert copied_csv(report, filterset, bom=True) == expected


def test_a_formula_is_neutralised_and_a_multiline_cell_quoted_by_the_database(awkward_desk):
    report = get_report("compliance")
    filterset = report.filterset({"deal": awkward_desk[5].obligation.deal_id})
    assert filterset.is_valid()
    with at(TODAY):
        text = copied_csv(report, filterset).decode()
    assert '"\'=HYPERLINK(""http://evil.example"",""Click"")"' in text
    assert '"Two\nlines"' in text
    assert "done late by 1 day," in text and "done late by 9 days," in text


def test_the_command_writes_the_database_csv(awkward_desk):
    out = StringIO()
    with at(TODAY):
        call_command("export_report", "compliance", "--from", "2005-07-01", stdout=out)
        report = get_report("compliance")
        filterset = report.filterset({"start": datetime.date(2005, 7, 1)})
        assert filterset.is_valid()
        expected = python_csv(report, filterset).decode()
    assert out.getvalue() == expected


def test_the_database_writes_moments_in_the_desks_time_zone_and_reminders_in_words(awkward_desk):
    report = get_report("reminders")
    filterset = report.filterset({})
    assert filterset.is_valid()
    with at(TODAY):
        text = copied_csv(report, filterset).decode()
    assert "2005-06-11 11:05:09-04:00" in text  # 15:05:09.987654 UTC in June: New York summer time, seconds cut
    assert "-05:00," in text  # and winter time
    assert ",Due-day," in text and ",1 day before," in text and ",7 days before," in text
    assert ",1 day overdue," in text and ",12 days overdue," in text
    assert ",'=cmd@example.com," in text


@pytest.mark.parametrize("name", ["deadlines", "attestations"])
def test_the_database_writes_iso_dates_whatever_date_style_the_session_has(awkward_desk, name):
    # A date cell is the date's own text form: the COPY sets DateStyle to ISO for itself.
    report = get_report(name)
    filterset = report.filterset({})
    assert filterset.is_valid()
    with at(TODAY):
        expected = python_csv(report, filterset)
        with connection.cursor() as cursor:
            cursor.execute("SET DateStyle TO 'SQL, DMY'")
        try:
            copied = copied_csv(report, filterset)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET DateStyle")
    assert b",2005-07-01," in copied
    assert copied == expected


def test_a_label_is_computed_once_a_row_without_the_formula_test():
    report = get_report("attestations")
    filterset = report.filterset({})
    assert filterset.is_valid()
    statement = copy_statement(report, filterset)
    assert statement.count("'done late by '") == 1  # the outcome, written as it is
    assert statement.count("btrim(") == 1  # who attested, once per user


@pytest.fixture
def awkward_directory():
    """Roles whose every party, signatory and address is awkward; some without a notice address or copies."""
    deals = [DealFactory(title=text) for text in AWKWARD[:5]]
    parties = [Party.objects.create(legal_name=f"{text} party") for text in AWKWARD]
    addresses = []
    for index, party in enumerate(parties):
        addresses.append(AddressFactory(
            party=party, label=AWKWARD[(index + 1) % len(AWKWARD)][:100], street_line_1=AWKWARD[index][:200],
            street_line_2="" if index % 2 else "Suite 5", po_box="P.O. Box 7" if index % 3 == 0 else "",
            city="" if index == 4 else AWKWARD[(index + 2) % len(AWKWARD)][:100],
            region="" if index % 2 else "NY", postal_code="" if index % 4 == 0 else "10001",
            country=("United States", "", "Canada", "Ünïted 🙂")[index % 4],
            attention="" if index % 3 else AWKWARD[(index + 3) % len(AWKWARD)][:200],
            phone="=1+1" if index == 5 else "+1 212 555 0100", fax="", email=f"{index}@example.com"))
    roles = DealParty.Role.values
    for index, party in enumerate(parties):
        signatory = None if index % 3 == 1 else PersonFactory(party=party, name=AWKWARD[index][:100],
                                                              title="" if index % 2 else "President, CEO")
        role = DealPartyFactory(deal=deals[index % len(deals)], party=party, role=roles[index % len(roles)],
                                signatory=signatory, notice_address=None if index % 5 == 2 else addresses[index])
        role.copy_to.set(addresses[(index + 1) % len(addresses)::4])
    return deals, parties


def test_the_database_writes_the_same_notice_directory_as_python(awkward_directory):
    deals, parties = awkward_directory
    report = get_report("parties")
    compared = rows_written_alike(report, ({}, {"deal": deals[1].pk}, {"party": parties[5].pk}),
                                  ((), ("-deal",), ("signatory",), ("-notice_address", "email"), ("phone",)))
    assert compared > 60
    everything = report.filterset({})
    assert everything.is_valid()
    assert ",'=1+1," in copied_csv(report, everything).decode()  # a phone number typed as a formula


def test_the_database_composes_each_address_and_reserve_summary_once_a_row():
    # A cell names its value twice (the formula test, then the value): a composed value is computed
    # in an inner query and the cell written over its column, so each composition appears once.
    directory, register = get_report("parties"), get_report("instruments")
    roles, entries = directory.filterset({}), register.filterset({})
    assert roles.is_valid() and entries.is_valid()
    statement = copy_statement(directory, roles, directory.clean_order(("-notice_address",)))
    # Each address's line, in a table of the addresses joined to the roles: once for the notice
    # address, once for the copies grouped (not once per role).
    assert statement.count("concat_ws(', '") == 2
    # The notice address's phone, fax and email are read from the table its line is in (the addresses
    # are joined to the roles again only to sort by the notice address, as here).
    assert all(f'"csv_joined_4"."{column}"' in statement for column in ("line", "phone", "fax", "email"))
    unsorted = copy_statement(directory, roles)
    assert 'JOIN "parties_address"' in statement and 'JOIN "parties_address"' not in unsorted
    # The copies are gathered from rows already in order, not sorted again one role at a time.
    assert statement.count("string_agg(") == 1 and "ORDER BY" not in statement.split("string_agg(")[1].split(")")[0]
    statement = copy_statement(register, entries)
    assert statement.count("Cannot compute: ") == 1 and statement.count(" issuable = ") == 1


@pytest.fixture
def awkward_register():
    """Share classes, notes and warrants with awkward names, and a reserve test of every outcome:
    met, short, and one that cannot be computed (a note without a conversion price)."""
    issuers = [PartyFactory(legal_name=f"{text} issuer") for text in AWKWARD[:6]]
    holders = [Party.objects.create(legal_name=f"{text} holder") for text in AWKWARD[6:]]
    deals = []
    for index, issuer in enumerate(issuers):
        deal = DealFactory(title=AWKWARD[(index * 2 + 1) % len(AWKWARD)])
        deals.append(deal)
        common = ShareClassFactory(deal=deal, issuer=issuer, name=AWKWARD[index][:100], section=AWKWARD[-index][:30],
                                   authorized=200_000_000 + index, issued_and_outstanding=43_980_227)
        ShareClassFactory(deal=deal, issuer=issuer, kind="preferred", name=f"Series {index}", authorized=1_000,
                          issued_and_outstanding=0, section="")
        reserved = (0, 1_500, 30_000_000, 500_000_000)[index % 4]  # short, short, short, met
        for purpose, shares in ((ShareReservation.Purpose.DEAL_SECURITIES, reserved),
                                (ShareReservation.Purpose.STOCK_OPTIONS, 2_345_678)):
            if index % 3 != 2:  # some classes reserve nothing at all
                ShareReservation.objects.create(share_class=common, purpose=purpose, shares=shares)
        for number, holder in enumerate([None, *holders[index % 3::4]]):
            ConvertibleNoteFactory(
                deal=deal, issuer=issuer, holder=holder, name=f"{AWKWARD[(index + number) % len(AWKWARD)]} {number}",
                principal=Decimal("800000.00") * (number + 1), interest_rate=Decimal("0.1") if number else Decimal("0"),
                secured=bool(number % 2), issue_date=None if number == 2 else datetime.date(2005, 5, 23),
                maturity_date=datetime.date(2007, 5, 23) if number % 2 else None,
                conversion_price=None if (index == 4 and number) else Decimal("0.0725") + number,
                section=AWKWARD[number][:30])
            WarrantFactory(deal=deal, issuer=issuer, holder=holder, name=f"Warrants {AWKWARD[number]}",
                           shares=4_857_316 * (number + 1), exercise_price=None if number else Decimal("0.1"),
                           issue_date=datetime.date(2005, 5, 23), expiry_date=datetime.date(2010, 5, 23),
                           section="s.1")
        if index != 5:  # a deal without a reserve covenant has no reserve test
            ReserveCovenant.objects.create(deal=deal, share_class=common, section=AWKWARD[index][:30],
                                           multiple=(Decimal("2.00"), Decimal("1.50"), Decimal("10.00"),
                                                     Decimal("0.25"))[index % 4])
    return deals, issuers, holders


def test_the_database_writes_the_same_instruments_register_as_python(awkward_register):
    deals, issuers, holders = awkward_register
    report = get_report("instruments")
    compared = rows_written_alike(
        report, ({}, {"deal": deals[4].pk}, {"party": issuers[1].pk}, {"party": holders[2].pk}),
        ((), ("-deal",), ("holder", "-issue_date"), ("name",), ("-principal", "kind"), ("section",), ("expiry_date",),
         ("-authorized",)))
    assert compared > 400
    everything = report.filterset({})
    assert everything.is_valid()
    text = copied_csv(report, everything).decode()
    assert "Cannot compute: " in text and " has no conversion price; " in text  # two notes, in name order
    assert "reserved: SHORT by " in text and "reserved: met." in text
    assert ",10 x shares issuable," in text and ",1.5 x shares issuable," in text and "0.25 x " in text
    assert ",The buyers together," in text


def test_a_register_sorted_by_a_column_python_computes_is_written_by_python(awkward_register):
    report = get_report("instruments")
    filterset = report.filterset({})
    assert filterset.is_valid()
    assert copy_statement(report, filterset, ("shares",)) is None
    as_of = report.filterset({"as_of": "2005-07-01"})
    assert as_of.is_valid()
    assert copy_statement(report, as_of, ()) is None


def test_the_fees_csv_streams_the_rows_the_page_builds(awkward_desk):
    """The export reads the draws and covenants a chunk at a time; its rows are the page's, in the page's order."""
    rules = awkward_desk
    line = EquityLineFactory(deal=rules[3].obligation.deal, placement_agent=PartyFactory(legal_name="=agent"))
    for day in (datetime.date(2005, 8, 1), datetime.date(2005, 7, 1), datetime.date(2005, 12, 1)):
        line.draws.create(date=day, amount=Decimal("125000.55"))
    for index, rule in enumerate(rules[2:]):
        obligation = rule.obligation
        obligation.penalty = ("monthly_on_notes", "annual_on_amount")[index % 2]
        obligation.penalty_rate, obligation.penalty_base_amount = Decimal("0.03"), Decimal("365000.00")
        obligation.save()
        ConvertibleNoteFactory(deal=obligation.deal, holder=None if index % 3 else PartyFactory())
    report = get_report("fees")
    with at(TODAY):
        for data in ({}, {"start": "2005-07-01", "end": "2005-08-31"}, {"party": line.placement_agent_id},
                     {"deal": rules[4].obligation.deal_id}):
            filterset = report.filterset(data)
            assert filterset.is_valid()
            built = report.filterset(data)
            assert built.is_valid()
            streamed = python_csv(report, filterset)
            rows = list(csv.reader(StringIO(streamed.decode(), newline="")))
            page = [[csv_cell(row[col.key]) for col in report.csv_columns] for row in report.built_rows(built)]
            assert rows[1:] == page
        everything = report.filterset({})
        assert everything.is_valid()
        rows = list(csv.reader(StringIO(python_csv(report, everything).decode(), newline="")))
    # The draws by date (the December one is after the day), then the covenants in breach.
    assert [row[:2] + row[5:6] for row in rows[1:3]] == [["Placement fee", "Two\nlines deal 3", "2005-07-01"],
                                                         ["Placement fee", "Two\nlines deal 3", "2005-08-01"]]
    assert {row[0] for row in rows[3:]} == {"Penalty accrued"} and len(rows) > 3 + 6
    # The covenants in the order of their first breach day, the row's date.
    first_breach_days = [row[5] for row in rows[3:]]
    assert first_breach_days == sorted(first_breach_days) and len(set(first_breach_days)) > 2


def fee_desk(rules) -> tuple[Party, list]:
    """Draws on three equity lines (awkward names, a half-cent fee, a rate of 0) and a covenant with a penalty."""
    agent = PartyFactory(legal_name="=agent")
    lines = [
        EquityLineFactory(deal=rules[3].obligation.deal, placement_agent=agent, placement_fee_rate=Decimal("0.0125")),
        EquityLineFactory(deal=rules[5].obligation.deal, issuer=PartyFactory(legal_name="@issuer"),
                          placement_fee_rate=Decimal("0.1")),
        EquityLineFactory(deal=rules[6].obligation.deal, placement_agent=None, placement_fee_rate=Decimal("0")),
    ]
    for line in lines:  # half a cent of fee, rounded up; a fee with further places; a draw after the day
        for day, amount in ((datetime.date(2005, 8, 1), Decimal("0.40")), (datetime.date(2005, 7, 1),
                            Decimal("125000.55")), (datetime.date(2005, 12, 1), Decimal("1.00"))):
            line.draws.create(date=day, amount=amount)
    obligation = rules[2].obligation
    obligation.penalty, obligation.penalty_rate = "annual_on_amount", Decimal("0.03")
    obligation.penalty_base_amount = Decimal("365000.00")
    obligation.save()
    return agent, lines


def test_the_database_writes_the_fee_rows_and_python_the_penalties_after_them(awkward_desk):
    """PAA s.10 fees on each draw come from COPY, the penalties' exact fractions from Python: one CSV, the same bytes."""
    agent, lines = fee_desk(awkward_desk)
    report = get_report("fees")
    with at(TODAY):
        for data in ({}, {"start": "2005-07-02"}, {"party": agent.pk}, {"deal": lines[1].deal_id}, {"bom": True}):
            filterset = report.filterset(data)
            assert filterset.is_valid()
            expected = python_csv(report, filterset, bom="bom" in data)
            assert copied_csv(report, filterset, bom="bom" in data) == expected, data
        everything = report.filterset({})
        assert everything.is_valid()
        rows = list(csv.reader(StringIO(copied_csv(report, everything).decode(), newline="")))
        # Sorted by a column, or as of a past day, the rows are Python's alone.
        assert copy_statement(report, everything, ("-amount",)) is None
        past = report.filterset({"as_of": "2005-08-15"})
        assert past.is_valid() and copy_statement(report, past) is None
    fees = [row for row in rows if row[0] == "Placement fee"]
    assert [row[1:] for row in fees[:3]] == [
        ["Two\nlines deal 3", "Draw of 2005-07-01", lines[0].issuer.legal_name, "'=agent", "2005-07-01", "125000.55",
         "0.012500", "", "1562.51", "1.25% of the draw."],
        ['\'=HYPERLINK("http://evil.example","Click") deal 5', "Draw of 2005-07-01", "'@issuer", "", "2005-07-01",
         "125000.55", "0.100000", "", "12500.06", "10% of the draw."],
        ["'+1 formula deal 6", "Draw of 2005-07-01", lines[2].issuer.legal_name, "", "2005-07-01", "125000.55",
         "0.000000", "", "0.00", "0% of the draw."],
    ]
    # 0.40 x 1.25% is half a cent, rounded up; the December draws are after the day.
    assert [row[9] for row in fees[3:]] == ["0.01", "0.04", "0.00"]
    assert rows[len(fees) + 1][0] == "Penalty accrued"


def test_the_fee_totals_add_up_the_fees_reports_rows(awkward_desk):
    """The totals take each draw's fee from the database; they are what adding up the fees report's rows gives."""
    agent, lines = fee_desk(awkward_desk)
    fees, totals = get_report("fees"), get_report("fee-totals")
    with at(TODAY):
        for data in ({}, {"start": "2005-07-02"}, {"party": agent.pk}, {"deal": lines[1].deal_id}):
            filterset = totals.filterset(data)
            assert filterset.is_valid()
            expected = {}
            fee_rows = report_rows_of(fees, data)
            for row in fee_rows:
                for key in (("Deal", row["deal"]), ("Payee", row["payee"])):
                    total = expected.setdefault(key, [Decimal("0.00"), Decimal("0.00")])
                    total[row["kind"] != "Placement fee"] += row["amount"] or 0
            assert [(row["totals_for"], row["name"], row["fees"], row["penalties"], row["amount"])
                    for row in totals.unsorted_rows(filterset)] == [
                (*key, fee, penalty, fee + penalty) for key, (fee, penalty) in expected.items()], data
            if not data:  # the fees and the penalties both added up
                assert {row["kind"] for row in fee_rows} == {"Placement fee", "Penalty accrued"}
    assert expected[("Deal", lines[1].deal.title)][0] == Decimal("12500.10")  # 12,500.06 + 0.04


def report_rows_of(report, data) -> list[dict]:
    filterset = report.filterset(data)
    assert filterset.is_valid()
    return list(report.streamed_rows(filterset))


@pytest.fixture
def awkward_checklists():
    """Closings whose every text is awkward, sections that sort by their numbers ("7(h)" before
    "10(a)"), items of every kind and status, some delivered by no party, some closings unscheduled."""
    from closings.models import Closing, ClosingItem

    deals = [DealFactory(title=text) for text in AWKWARD[:4]]
    parties = [PartyFactory(legal_name=f"{text} party") for text in AWKWARD[4:10]]
    sections = ["10(a)", "7(h)", "7(H)", "7", "7(h)(ii)", "2.1", "=1+1", "s.4(l)", "10", "7(i)"]
    statuses = [ClosingItem.Status.OPEN, ClosingItem.Status.SATISFIED, ClosingItem.Status.WAIVED]
    for index, deal in enumerate(deals):
        for party in parties[index % 3::3]:
            DealPartyFactory(deal=deal, party=party, role=DealParty.Role.INVESTOR)
        for number, name in enumerate(AWKWARD[index:index + 3]):
            closing = Closing.objects.create(
                deal=deal, name=name[:100], section=AWKWARD[-number][:30],
                scheduled_for=None if number == 1 else datetime.date(2005, 5, 23 + number))
            for position, section in enumerate(sections[number:] + sections[:number]):
                status = statuses[(position + index) % 3]
                done = status != ClosingItem.Status.OPEN
                ClosingItem.objects.create(
                    closing=closing, section=section, title=AWKWARD[(position + number) % len(AWKWARD)][:200],
                    kind=ClosingItem.Kind.values[position % 2], condition_of=DealParty.Role.INVESTOR,
                    satisfied_by=None if position % 4 == 3 else parties[index % 3], text="The words.",
                    status=status, done_on=datetime.date(2005, 5, 20) if done else None,
                    evidence=AWKWARD[(position * 3) % len(AWKWARD)] if done else "")
    return deals


def test_the_database_writes_the_same_closing_checklists_as_python(awkward_checklists):
    report = get_report("closings")
    compared = rows_written_alike(
        report, ({}, {"deal": awkward_checklists[2].pk}, {"status": "open"}),
        ((), ("-deal",), ("section",), ("-delivered_by", "done_on"), ("status", "-closed_on"), ("kind", "evidence")))
    assert compared > 400
    everything = report.filterset({})
    assert everything.is_valid()
    assert ",'=1+1," in copied_csv(report, everything).decode()  # a section typed as a formula
