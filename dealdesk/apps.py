from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_roles(sender, **kwargs) -> None:
    # Every app's permissions exist once the last domain app has migrated.
    if sender.name == "obligations":
        from dealdesk.roles import roles_install

        roles_install()


class DealdeskConfig(AppConfig):
    name = "dealdesk"
    verbose_name = "Deals"

    def ready(self) -> None:
        post_migrate.connect(_install_roles, dispatch_uid="dealdesk_install_roles")
