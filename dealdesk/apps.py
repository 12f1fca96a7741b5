from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


def _install_roles(sender: AppConfig, **kwargs) -> None:
    # post_migrate comes once per app with models; every app's permissions exist after the last one.
    last_app = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is last_app:
        from dealdesk.roles import roles_install

        roles_install()


class DeskConfig(AppConfig):
    """The project wiring as an app: its management commands (rundesk, load_sample_deals, roles)."""

    name = "dealdesk"
    label = "desk"
    verbose_name = "dealdesk"

    def ready(self) -> None:
        post_migrate.connect(_install_roles, dispatch_uid="dealdesk_install_roles")
        from dealdesk import moments

        moments.install()
