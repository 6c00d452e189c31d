from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from customercenter import views
from delegation import urls as delegation_urls
from projects import order_views

admin.site.site_header = _("Kundencenter – Support")
admin.site.site_title = _("Kundencenter – Support")

contract_patterns = (
    [
        path("", views.master_data, name="master_data"),
        path("rechnungen/", order_views.invoices, name="invoices"),
        path("technischer-betreuer/", include(delegation_urls.urlpatterns)),
    ],
    "contract",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("vertragsdaten/", include(contract_patterns)),
    path("freigabe/", include(delegation_urls.link_patterns)),
    path("", include("projects.urls")),
    path("", include("notifications.urls")),
    path("", include("tickets.urls")),
    path("", include("api.urls")),
    path("anymail/", include("anymail.urls")),
    path("admin/", admin.site.urls),
]
