from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomerCenterConfig(AppConfig):
    name = "customercenter"
    verbose_name = _("Kunden")
