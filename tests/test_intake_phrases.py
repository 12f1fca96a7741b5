"""The deadline grammar (dealdesk/intake/phrases.py): words of a duty -> the rule the desk would enter."""
import pytest

from dealdesk.intake import phrases


def rule_of(words, **options):
    reading = phrases.rule_read(phrases.squeeze(words), **options)
    assert reading is not None, f"no rule read from {words!r}"
    assert len(reading.rules) == 1
    return reading.rules[0]


@pytest.mark.parametrize("words, value", [
    ("five (5)", 5), ("forty five (45)", 45), ("two hundred seventy (270)", 270), ("thirty", 30),
    ("ninety-five", 95), ("one hundred twenty", 120), ("10", 10), ("twenty (20)", 20),
])
def test_it_reads_numbers_in_words_and_figures(words, value):
    assert phrases.quantity_value(words) == value


@pytest.mark.parametrize("words, fields", [
    ("ten (10) business days", {"offset": 10, "unit": "business_days"}),
    ("three (3) Trading Days", {"offset": 3, "unit": "business_days", "holiday_calendar": "nyse"}),
    ("thirty (30) calendar days", {"offset": 30}),
    ("45 days", {"offset": 45}),
    ("six (6) months", {"offset": 6, "unit": "months"}),
    ("two (2) years", {"offset": 2, "unit": "years"}),
])
def test_it_reads_units(words, fields):
    assert phrases.duration_read(words).rule_fields() == fields


def test_within_days_of_the_closing_date_counts_from_the_closing():
    assert rule_of("shall file within two (2) business days of the Closing Date a Form 8-K") == {
        "kind": "after_anchor", "offset": 2, "unit": "business_days", "anchor": "closing_date"}


def test_on_or_before_days_from_the_date_hereof_counts_from_the_agreement_date():
    assert rule_of("on or before five (5) business days from the date hereof, obtain insurance") == {
        "kind": "after_anchor", "offset": 5, "unit": "business_days", "anchor": "agreement_date"}


def test_no_later_than_days_after_the_date_of_this_agreement():
    assert rule_of("no later than sixty (60) days after the date of this Agreement, file a registration statement") == {
        "kind": "after_anchor", "offset": 60, "anchor": "agreement_date"}


def test_a_defined_date_is_an_event_named_from_its_words():
    assert rule_of("with the closing to occur within five (5) days of the Filing Date") == {
        "kind": "after_anchor", "offset": 5, "anchor": "event", "event": "Filing Date"}


def test_at_least_days_prior_to_counts_back_and_rolls_to_the_day_before():
    assert rule_of("shall give notice at least ten (10) Business Days prior to the Closing Date") == {
        "kind": "after_anchor", "offset": 10, "unit": "business_days", "direction": "before",
        "anchor": "closing_date", "roll": "preceding"}


def test_not_less_than_days_prior_to_each_meeting_is_per_event():
    assert rule_of("shall mail notice not less than fifteen (15) days prior to any meeting of stockholders") == {
        "kind": "each_event", "offset": 15, "direction": "before", "event_kind": "Meeting of stockholders",
        "roll": "preceding"}


def test_promptly_but_in_any_event_within_takes_the_days():
    assert rule_of("shall notify the Lender promptly, but in any event within three (3) Business Days after "
                   "receipt of any notice of default") == {
        "kind": "each_event", "offset": 3, "unit": "business_days",
        "event_kind": "Receipt of any notice of default"}


def test_as_soon_as_practicable_alone_is_dated_the_agreement_date_and_says_so():
    reading = phrases.rule_read("shall apply for the listing of the Shares as soon as practicable")
    assert reading.rules == ({"kind": "after_anchor", "anchor": "agreement_date"},)
    assert "as soon as practicable" in reading.reading


def test_as_soon_as_practicable_after_the_closing_is_the_closing_day():
    assert rule_of("shall file a Form 8-K as soon as practicable after the Closing") == {
        "kind": "after_anchor", "anchor": "closing_date"}


def test_contemporaneously_with_each_mailing_is_the_same_day_per_event():
    assert rule_of("contemporaneously with the mailing to its stockholders, copies of any proxy statement") == {
        "kind": "each_event", "event_kind": "Mailing to its stockholders"}


def test_concurrently_with_the_closing_is_the_closing_day():
    assert rule_of("shall deliver the legal opinion concurrently with the Closing") == {
        "kind": "after_anchor", "anchor": "closing_date"}


def test_within_days_after_the_end_of_each_fiscal_quarter_recurs_quarterly():
    assert rule_of("within forty-five (45) days after the end of each fiscal quarter, deliver financial statements") == {
        "kind": "recurring", "offset": 45, "frequency": "quarterly"}


def test_first_three_fiscal_quarters_only():
    assert rule_of("within 45 days after the end of each of the first three fiscal quarters of each fiscal year, "
                   "its unaudited balance sheet") == {
        "kind": "recurring", "offset": 45, "frequency": "quarterly", "only_periods": "1, 2, 3"}


def test_within_days_after_the_end_of_each_fiscal_year_recurs_yearly():
    assert rule_of("within one hundred twenty (120) days after the end of each fiscal year, audited statements") == {
        "kind": "recurring", "offset": 120, "frequency": "fiscal_yearly"}


def test_within_business_days_of_the_end_of_each_month_recurs_monthly():
    assert rule_of("within five (5) business days of the end of each month") == {
        "kind": "recurring", "offset": 5, "unit": "business_days", "frequency": "monthly"}


def test_on_each_anniversary_recurs_on_the_anniversary():
    assert rule_of("shall pay the annual agency fee on each anniversary of the Closing Date") == {
        "kind": "recurring", "frequency": "anniversary"}


def test_quarterly_financial_statements_is_not_a_frequency():
    assert phrases.rule_read("shall maintain copies of its quarterly financial statements") is None


def test_within_days_after_release_of_each_press_release_is_per_event():
    assert rule_of("within one (1) day after release, copies of all press releases") == {
        "kind": "each_event", "offset": 1, "event_kind": "Release"}


def test_after_receipt_of_notice_is_per_event():
    assert rule_of("Promptly after receipt of notice of any action, the indemnified party shall, "
                   "within ten (10) days, notify the indemnifying party") == {
        "kind": "each_event", "offset": 10, "event_kind": "Receipt of notice of any action"}


def test_promptly_after_such_filing_looks_back_to_what_was_filed():
    assert rule_of("agrees to file a Form D and to provide a copy thereof promptly after such filing") == {
        "kind": "after_anchor", "anchor": "event", "event": "Form D filed"}


def test_upon_the_effectiveness_of_a_registration_statement_is_that_event():
    assert rule_of("Upon the effectiveness of a registration statement covering the Shares, the Agent shall "
                   "receive an opinion") == {
        "kind": "after_anchor", "anchor": "event", "event": "Registration statement declared effective"}


def test_the_later_of_two_limbs():
    rule = rule_of("ending on the later of (i) one hundred eighty (180) days from the Closing Date and (ii) "
                   "ninety (90) days from the Effective Date")
    assert rule == {"kind": "later_of", "limbs": [
        {"kind": "after_anchor", "offset": 180, "anchor": "closing_date"},
        {"kind": "after_anchor", "offset": 90, "anchor": "event", "event": "Effective Date"}]}


def test_the_earlier_of_a_restriction_is_a_period_that_does_not_roll():
    rule = rule_of("will not sell any shares until the earlier of (a) twelve (12) months from the date hereof "
                   "and (b) sixty (60) days after the Effective Date", restriction=True)
    assert rule == {"kind": "earlier_of", "roll": "none", "limbs": [
        {"kind": "period", "offset": 12, "unit": "months", "anchor": "agreement_date", "roll": "none"},
        {"kind": "period", "offset": 60, "anchor": "event", "event": "Effective Date", "roll": "none"}]}


def test_so_long_as_notes_are_outstanding_but_in_no_event_less_than_is_the_later_of():
    rule = rule_of("so long as any of the Debentures remain outstanding, but in no event less than one (1) year "
                   "from the Closing Date, the Holders will not sell short", restriction=True)
    assert rule == {"kind": "later_of", "roll": "none", "limbs": [
        {"kind": "period", "offset": 1, "unit": "years", "anchor": "closing_date", "roll": "none"},
        {"kind": "after_anchor", "anchor": "event", "event": "No Debentures outstanding", "roll": "none"}]}


def test_a_breach_starts_its_own_date():
    assert rule_of("If the Borrower defaults in the payment of any fee, the Borrower shall pay interest") == {
        "kind": "each_event", "event_kind": "Borrower defaults in the payment of any fee"}


def test_copies_of_all_statements_prepared_and_documents_delivered_are_two_series():
    reading = phrases.rule_read("to provide copies of all annual reports prepared by the Company and all "
                                "documents delivered to the Company's stockholders")
    assert reading.rules == (
        {"kind": "each_event", "event_kind": "Annual reports prepared"},
        {"kind": "each_event", "event_kind": "Documents delivered"},
    )


def test_a_duty_with_no_time_reads_no_rule():
    assert phrases.rule_read("shall maintain its corporate existence") is None
    assert phrases.rule_read("will promptly forward copies of any questionnaires compiled by it") is None


def test_upon_written_request_starts_the_rule_and_until_ends_it():
    assert phrases.modifiers_read("Upon written request, to provide copies until the Holder sells all of the Shares") == {
        "starts_with": "Written request", "ends_with": "Until the Holder sells all of the Shares"}


def test_the_registration_period_ends_the_rule():
    assert phrases.modifiers_read("to deliver, during the registration period, to the Agent upon the Agent's request") == {
        "starts_with": "Agent's request", "ends_with": "End of the registration period"}


def test_so_long_as_any_note_is_outstanding_ends_when_the_notes_are_repaid():
    assert phrases.modifiers_read("so long as any Note is outstanding, deliver monthly reports") == {
        "ends_when_notes_repaid": True}


def test_until_a_breach_is_cured_does_not_end_the_duty():
    assert phrases.modifiers_read("shall pay the damages until such breach is cured") == {}
    assert phrases.modifiers_read("shall pay the damages until the list is delivered") == {}


def test_a_one_off_date_takes_no_start_or_end():
    rule = {"kind": "after_anchor", "anchor": "closing_date"}
    assert phrases.rule_finish(rule, {"ends_with": "Registration period ends"}) == rule


@pytest.mark.parametrize("words, penalty", [
    ("liquidated damages of three percent (3%) of the outstanding principal amount of the Notes per month, prorated",
     ("monthly_on_notes", "0.03")),
    ("the Company shall pay interest on the total amount at a rate of 15% per annum", ("annual_on_amount", "0.15")),
    ("shall pay 2% of the outstanding amount of the Debentures per month", ("monthly_on_notes", "0.02")),
])
def test_it_reads_the_damages_a_clause_sets(words, penalty):
    assert phrases.penalty_read(words) == penalty


def test_a_defined_damages_term_carries_its_rate():
    text = ('liquidated damages of two percent (2%) of the outstanding amount of the Notes per month, prorated '
            '("Late Filing Damages"). If the Company fails to file, it shall pay the Late Filing Damages.')
    damages = phrases.damages_terms(text)
    assert damages == {"Late Filing Damages": ("monthly_on_notes", "0.02")}
    assert phrases.penalty_read("it shall pay the Late Filing Damages", damages=damages) == ("monthly_on_notes", "0.02")


def test_a_calendar_date_is_a_fixed_date():
    assert rule_of("shall hold its annual meeting of stockholders no later than December 31, 2006") == {
        "kind": "fixed_date", "fixed_date": "2006-12-31"}


def test_the_nth_day_following_an_anchor():
    assert rule_of("shall file the Registration Statement on or prior to the 30th day following the Closing Date") == {
        "kind": "after_anchor", "offset": 30, "anchor": "closing_date"}


def test_a_fee_paid_quarterly_in_arrears_recurs_quarterly():
    assert rule_of("shall pay a commitment fee quarterly in arrears on the last Business Day of each March, June, "
                   "September and December") == {"kind": "recurring", "frequency": "quarterly"}


def test_not_later_than_a_time_of_day_before_each_borrowing_counts_back():
    assert rule_of("shall give notice of each Borrowing not later than 11:00 a.m. three (3) Business Days prior to "
                   "the date of such Borrowing") == {
        "kind": "each_event", "offset": 3, "unit": "business_days", "direction": "before",
        "event_kind": "Date of such Borrowing", "roll": "preceding"}


def test_promptly_upon_a_request_is_due_on_each_request():
    assert rule_of("shall provide, promptly upon the Lender's request, such other information") == {
        "kind": "each_event", "event_kind": "Lender's request"}


def test_each_request_needs_no_start_of_its_own():
    rule = {"kind": "each_event", "offset": 10, "event_kind": "Written request"}
    assert phrases.rule_finish(rule, {"starts_with": "Written request"}) == rule
