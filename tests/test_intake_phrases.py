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


# --------------------------------------------------------------------------
# Wordings of other agreements: credit agreements, note purchases, registration rights
# --------------------------------------------------------------------------


def test_a_comma_before_after_still_counts_from_what_follows():
    assert rule_of("shall inform the Holders promptly, but in any event within four (4) Business Days, after the "
                   "Maturity Date") == {
        "kind": "after_anchor", "offset": 4, "unit": "business_days", "anchor": "event", "event": "Maturity Date"}


@pytest.mark.parametrize("words, event_kind", [
    ("The Company shall tell the Purchasers promptly, but in any event within five (5) Business Days, after becoming "
     "aware of any Event of Default.", "Event of Default known to the Company"),
    ("The Issuer will give notice within five (5) Business Days after the Issuer becomes aware of any Event of Default.",
     "Event of Default known to the Issuer"),
    ("The Borrower shall give written notice within five (5) Business Days after any executive officer of the "
     "Borrower obtains knowledge of any Default.", "Default known to the Borrower"),
])
def test_days_after_becoming_aware_start_again_with_each_matter(words, event_kind):
    assert rule_of(words) == {"kind": "each_event", "offset": 5, "unit": "business_days", "event_kind": event_kind}


def test_promptly_after_knowledge_and_in_any_event_within_days_thereafter_counts_from_the_knowledge():
    assert rule_of("The Borrower shall give the Lender, promptly after a senior officer of the Borrower learns "
                   "thereof, and in any event within three (3) Business Days thereafter, notice of any Default") == {
        "kind": "each_event", "offset": 3, "unit": "business_days", "event_kind": "Default known to the Borrower"}


@pytest.mark.parametrize("words, event_kind", [
    ("shall deliver a notice within ten (10) days after the occurrence of any Change of Control",
     "Occurrence of any Change of Control"),
    ("shall deliver a notice within ten (10) days following any change in its auditors", "Change in its auditors"),
    ("shall deliver a notice within ten (10) days upon the occurrence of a Triggering Event",
     "Occurrence of a Triggering Event"),
])
def test_after_an_occurrence_or_following_any_is_per_event(words, event_kind):
    assert rule_of(words) == {"kind": "each_event", "offset": 10, "event_kind": event_kind}


def test_upon_an_occurrence_at_the_start_dates_the_days_after_it():
    assert rule_of("Upon the occurrence of a Fundamental Transaction, the Company shall within three (3) Trading Days "
                   "send a notice to each Holder") == {
        "kind": "each_event", "offset": 3, "unit": "business_days", "event_kind": "Occurrence of a Fundamental Transaction",
        "holiday_calendar": "nyse"}


def test_as_soon_as_available_but_within_days_of_the_first_three_quarters():
    assert rule_of("furnish, as soon as available, but in any event within 45 days after the end of each of the first "
                   "three fiscal quarters of each fiscal year, a consolidated balance sheet") == {
        "kind": "recurring", "offset": 45, "frequency": "quarterly", "only_periods": "1, 2, 3"}


def test_as_soon_as_available_but_within_120_days_after_each_fiscal_year():
    assert rule_of("furnish, as soon as available, but in any event within 120 days after the end of each fiscal "
                   "year, its audited consolidated balance sheet") == {
        "kind": "recurring", "offset": 120, "frequency": "fiscal_yearly"}


def test_a_compliance_certificate_with_each_delivery_of_statements_is_per_delivery():
    assert rule_of("furnish, concurrently with any delivery of financial statements under clause (a) or (b) above, "
                   "a certificate of a financial officer") == {
        "kind": "each_event", "event_kind": "Delivery of financial statements"}


def test_other_than_the_fourth_quarter_is_the_first_three():
    assert rule_of("deliver within 50 days after the end of each fiscal quarter (other than the fourth fiscal quarter) "
                   "its interim statements") == {
        "kind": "recurring", "offset": 50, "frequency": "quarterly", "only_periods": "1, 2, 3"}


@pytest.mark.parametrize("words, rule", [
    ("deliver, not later than the 15th day of each month, a borrowing base report for the month before",
     {"kind": "recurring", "offset": 15, "frequency": "monthly"}),
    ("deliver on or before the twentieth (20th) day of each calendar month an aging of receivables",
     {"kind": "recurring", "offset": 20, "frequency": "monthly"}),
    ("deliver by the tenth (10th) Business Day of each month a usage report",
     {"kind": "recurring", "offset": 10, "unit": "business_days", "frequency": "monthly"}),
])
def test_a_day_of_each_month_is_monthly_counted_from_the_month_before(words, rule):
    assert rule_of(words) == rule


@pytest.mark.parametrize("words, fields", [
    ("deliver an operating budget on or before March 31 of each year", {"offset": 3, "unit": "months"}),
    ("deliver an operating budget no later than January 15 in each calendar year", {"offset": 15}),
    ("renew its insurance by April 15 of each year", {"offset": 105}),
])
def test_a_date_in_each_year_counts_from_a_december_year_end(words, fields):
    reading = phrases.rule_read(words)
    assert reading.rules == ({"kind": "recurring"} | fields | {"frequency": "fiscal_yearly"},)
    assert "December 31" in reading.reading


def test_four_dates_in_each_year_are_the_quarter_ends():
    assert rule_of("shall pay interest in arrears on March 31, June 30, September 30 and December 31 of each year") == {
        "kind": "recurring", "frequency": "quarterly"}


def test_each_anniversary_of_the_closing_date():
    assert rule_of("shall pay an agency fee of $25,000 to the Agent on each anniversary of the Closing Date") == {
        "kind": "recurring", "frequency": "anniversary"}


def test_no_later_than_calendar_days_following_the_closing_date():
    assert rule_of("shall hold a stockholders meeting no later than thirty (30) calendar days following the Closing Date") == {
        "kind": "after_anchor", "offset": 30, "anchor": "closing_date"}


def test_at_least_trading_days_prior_to_a_defined_date_counts_back_on_the_exchange_calendar():
    assert rule_of("shall send a redemption notice at least ten (10) Trading Days prior to the Maturity Date") == {
        "kind": "after_anchor", "offset": 10, "unit": "business_days", "direction": "before", "anchor": "event",
        "event": "Maturity Date", "roll": "preceding", "holiday_calendar": "nyse"}


def test_at_least_trading_days_prior_to_any_redemption_is_per_redemption():
    assert rule_of("shall send notice at least ten (10) Trading Days prior to any optional redemption") == {
        "kind": "each_event", "offset": 10, "unit": "business_days", "direction": "before",
        "event_kind": "Optional redemption", "roll": "preceding", "holiday_calendar": "nyse"}


def test_within_trading_days_after_each_conversion_date():
    assert rule_of("shall deliver the shares within two (2) Trading Days after each Conversion Date") == {
        "kind": "each_event", "offset": 2, "unit": "business_days", "event_kind": "Conversion Date",
        "holiday_calendar": "nyse"}


def test_the_trading_day_immediately_following_the_date_hereof_is_one_day_on():
    assert rule_of("By 9:00 a.m. (New York City time) on the Trading Day immediately following the date hereof, the "
                   "Company shall announce the offering") == {
        "kind": "after_anchor", "offset": 1, "unit": "business_days", "anchor": "agreement_date",
        "holiday_calendar": "nyse"}


def test_the_second_business_day_after_each_conversion():
    assert rule_of("shall deliver the certificate on the second Business Day following each Conversion Date") == {
        "kind": "each_event", "offset": 2, "unit": "business_days", "event_kind": "Conversion Date"}


def test_timely_filing_while_notes_are_outstanding_has_no_date_and_ends_with_the_notes():
    words = "For so long as any Notes remain outstanding, the Company shall timely file all reports under the Exchange Act"
    assert phrases.rule_read(words) is None
    assert phrases.modifiers_read(words) == {"ends_when_notes_repaid": True}


def test_the_earlier_of_two_one_off_dates():
    assert rule_of("shall repay the bridge loan on the earlier of (i) ninety (90) days after the Closing Date and "
                   "(ii) five (5) Business Days after the Qualified Financing Date") == {
        "kind": "earlier_of", "limbs": [
            {"kind": "after_anchor", "offset": 90, "anchor": "closing_date"},
            {"kind": "after_anchor", "offset": 5, "unit": "business_days", "anchor": "event",
             "event": "Qualified Financing Date"}]}


@pytest.mark.parametrize("words, parts", [
    ("The Company shall give each Holder, within 30 days after the end of each fiscal quarter, a sales report, and "
     "within 100 days after the end of each fiscal year, its audited statements.",
     ["The Company shall give each Holder, within 30 days after the end of each fiscal quarter, a sales report",
      "within 100 days after the end of each fiscal year, its audited statements."]),
    ("The Company shall file a resale registration statement within 45 days after the Closing Date and cause it to be "
     "declared effective within 120 days after the Closing Date.",
     ["The Company shall file a resale registration statement within 45 days after the Closing Date",
      "cause it to be declared effective within 120 days after the Closing Date."]),
    ("The Borrower shall give notice promptly after it learns thereof, and in any event within two Business Days "
     "thereafter.", ["The Borrower shall give notice promptly after it learns thereof, and in any event within two "
                     "Business Days thereafter."]),
    ("The Holders shall not sell until the later of (i) 180 days after the Closing Date and (ii) 60 days after the "
     "Effective Date.", ["The Holders shall not sell until the later of (i) 180 days after the Closing Date and (ii) "
                         "60 days after the Effective Date."]),
    ("The Company shall deliver the opinion within ten days after the Closing Date and the share certificates.",
     ["The Company shall deliver the opinion within ten days after the Closing Date and the share certificates."]),
])
def test_a_sentence_splits_where_each_part_has_a_time_of_its_own(words, parts):
    assert [words[start:end] for start, end in phrases.timed_parts(words)] == parts


@pytest.mark.parametrize("words, rule", [
    ("shall give the Lender at least thirty (30) days prior written notice of any change in its legal name",
     {"kind": "each_event", "offset": 30, "direction": "before", "event_kind": "Change in its legal name",
      "roll": "preceding"}),
    ("shall give the Lender not less than three (3) Business Days' prior written notice of any voluntary prepayment",
     {"kind": "each_event", "offset": 3, "unit": "business_days", "direction": "before",
      "event_kind": "Voluntary prepayment", "roll": "preceding"}),
])
def test_days_prior_written_notice_of_a_change_counts_back_from_each_change(words, rule):
    assert rule_of(words) == rule


def test_days_after_the_borrower_files_any_report_start_again_with_each_filing():
    assert rule_of("shall deliver, within five (5) Business Days after the Borrower files any report with the SEC, "
                   "a copy of it") == {
        "kind": "each_event", "offset": 5, "unit": "business_days", "event_kind": "Borrower files any report with the SEC"}


def test_the_first_business_day_of_each_month():
    assert rule_of("shall pay interest monthly in arrears on the first Business Day of each month") == {
        "kind": "recurring", "offset": 1, "unit": "business_days", "frequency": "monthly"}


def test_in_no_event_later_than_a_calendar_date_is_that_date():
    assert rule_of("shall seek stockholder approval at its next annual meeting, but in no event later than "
                   "June 30, 2027") == {"kind": "fixed_date", "fixed_date": "2027-06-30"}


@pytest.mark.parametrize("words, frequency", [
    ("shall deliver interim reports within 45 days of quarter end", "quarterly"),
    ("shall deliver audited statements within 90 days after fiscal year-end", "fiscal_yearly"),
])
def test_a_period_end_without_each_still_recurs(words, frequency):
    assert rule_of(words)["frequency"] == frequency
    assert rule_of(words)["kind"] == "recurring"


@pytest.mark.parametrize("words", [
    "shall deliver, within thirty (30) days prior to the beginning of each fiscal year, an operating budget",
    "shall deliver, at least thirty (30) days before the start of each fiscal year, an operating budget",
])
def test_days_before_each_fiscal_year_begins_count_back_from_the_year_before_its_end(words):
    assert rule_of(words) == {"kind": "recurring", "offset": 29, "direction": "before", "frequency": "fiscal_yearly",
                              "roll": "preceding"}
