from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DelegationConfig(AppConfig):
    name = "delegation"
    verbose_name = _("Technische Betreuung")

    def ready(self) -> None:
        from delegation import receivers  # noqa: F401 — reacts to undeliverable release e-mails
