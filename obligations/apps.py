from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "obligations"
    verbose_name = "Obligations and deadlines"

    def ready(self) -> None:
        from obligations import signals  # noqa: F401  (connects the receivers)
