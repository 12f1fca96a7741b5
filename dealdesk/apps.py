from django.apps import AppConfig


class DealdeskConfig(AppConfig):
    name = "dealdesk"
    verbose_name = "Deals"
