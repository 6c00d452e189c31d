from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerCenterConfig(AppConfig):
    name = "customercenter"
    verbose_name = _("Kunden")

    def ready(self) -> None:
        from customercenter import checks  # noqa: F401 — registers the deployment checks
