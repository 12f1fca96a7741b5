from django.apps import AppConfig


class IntakeConfig(AppConfig):
    """Agreement intake: an agreement read into proposals, reviewed one by one, confirmed into a deal."""

    name = "dealdesk.intake"
    label = "intake"
    verbose_name = "Agreement intake"
