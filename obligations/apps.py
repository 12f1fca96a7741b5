from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "obligations"
    verbose_name = "Obligations and deadlines"

    def ready(self) -> None:
        from obligations import signals  # noqa: F401  (connects the receivers)
        from deals.sections import register
        from obligations.models import Obligation

        # The section map (deals.sections): each obligation holds the section it cites.
        register(Obligation, kind="obligation", describe=lambda obligation: obligation.title)
