from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "parties"
    verbose_name = "Parties and notices"

    def ready(self) -> None:
        from deals.sections import register
        from parties.models import NoticeMethod

        # The section map (deals.sections): the notice clause holds SPA s.8(f), PAA s.11(B).
        register(NoticeMethod, kind="notice clause")
