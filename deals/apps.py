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
