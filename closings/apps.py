from django.apps import AppConfig


class ClosingsConfig(AppConfig):
    name = "closings"
    verbose_name = "Closings"

    def ready(self) -> None:
        from closings.models import Closing, ClosingItem
        from deals.sections import register

        # The section map (deals.sections): a closing holds the section providing for it, each
        # item the condition or deliverable it lists (SPA ss.6, 7; PAA s.8).
        register(Closing, kind="closing", describe=lambda closing: closing.name)
        register(ClosingItem, kind="closing item", deal_field="closing__deal", select_related=["closing"],
                 describe=lambda item: f"{item.title} ({item.closing.name})")
