from django.apps import AppConfig


class DealsConfig(AppConfig):
    """The deal core: Deal, its events and related agreements, and the machinery every app shares.

    Its label stays "dealdesk", the label these tables, migrations, history
    tables and permissions were created under (e.g. dealdesk_deal,
    "dealdesk.view_reports"), so moving the code moved no row.
    """

    name = "deals"
    label = "dealdesk"
    verbose_name = "Deals"

    def ready(self) -> None:
        from deals.models import Deal
        from deals.sections import citations_in, register

        # The governing law and forum are held on the deal itself; its forum text cites their
        # section, e.g. "... (s.8(a))" (SPA s.8(a), PAA s.11(C)).
        register(
            Deal, kind="deal", deal_field=None,
            cites=lambda deal: ", ".join(citations_in(deal.forum)) if deal.governing_law else "",
            describe=lambda deal: f"governing law ({deal.governing_law}) and forum",
        )
