from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "payvand.demo"
    label = "demo"
    verbose_name = "Demo region"
