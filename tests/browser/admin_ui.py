"""How a person works the Django admin's widgets, for the browser tests."""
from __future__ import annotations

from playwright.sync_api import Page, expect


def pick(page: Page, field_id: str, typed: str, choice: str) -> None:
    """Choose in an autocomplete box (select2): open it, type, click the matching result.

    select2 puts its box right after the <select> it stands for, and opens its results
    at the end of the page.
    """
    page.locator(f"#{field_id} + .select2 .select2-selection").click()
    page.keyboard.insert_text(typed)  # one input event, one search
    page.locator(".select2-container--open .select2-results__option[role=option]", has_text=choice).click()
    expect(page.locator(f"#{field_id} option:checked", has_text=choice)).to_have_count(1)


def add_inline_row(page: Page, prefix: str) -> int:
    """Click the inline's "Add another ..." link; the number of the new row (its form index)."""
    group = page.locator(f"#{prefix}-group")
    count = int(group.locator(f"#id_{prefix}-TOTAL_FORMS").input_value())
    group.locator(".add-row a").click()
    expect(group.locator(f"#id_{prefix}-TOTAL_FORMS")).to_have_value(str(count + 1))
    return count


def table_cells(page: Page, selector: str) -> list[list[str]]:
    """The body rows of a table as the eye reads them: each cell's text, whitespace run together."""
    return page.locator(selector).evaluate(
        """table => [...table.querySelectorAll('tbody tr')].map(
            tr => [...tr.querySelectorAll('td, th')].map(cell => cell.textContent.split(/\\s+/).join(' ').trim()))"""
    )
