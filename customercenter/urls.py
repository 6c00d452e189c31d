from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from customercenter import member_views, views
from delegation import urls as delegation_urls
from notifications import webhooks
from projects import order_views

admin.site.site_header = _("Kundencenter – Support")
admin.site.site_title = _("Kundencenter – Support")
# The admin's own login form knows neither rate limits nor a second factor: staff sign in
# through allauth's login like everyone else and come back.
admin.site.login = secure_admin_login(admin.site.login)

contract_patterns = (
    [
        path("", views.master_data, name="master_data"),
        path("rechnungen/", order_views.invoices, name="invoices"),
        path("technischer-betreuer/", include(delegation_urls.urlpatterns)),
        path("mitglieder/", member_views.member_list, name="members"),
        path("mitglieder/<int:pk>/rolle/", member_views.member_role, name="member_role"),
        path("mitglieder/<int:pk>/entfernen/", member_views.member_remove, name="member_remove"),
        path("mitglieder/technik/", member_views.technik_setting, name="technik_setting"),
        path("einladungen/<int:pk>/neu-senden/", member_views.invitation_resend, name="invitation_resend"),
        path("einladungen/<int:pk>/zurueckziehen/", member_views.invitation_withdraw, name="invitation_withdraw"),
    ],
    "contract",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("konto/", include("allauth.urls")),
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("konto-wechseln/", views.switch_account, name="switch_account"),
    path("vertragsdaten/", include(contract_patterns)),
    path("freigabe/", include(delegation_urls.link_patterns)),
    path("einladung/<token:token>/", member_views.invitation, name="invitation"),
    path("einladung/<token:token>/annehmen/", member_views.invitation_accept, name="invitation_accept"),
    path("einladung/<token:token>/login-anlegen/", member_views.invitation_signup, name="invitation_signup"),
    path("", include("projects.urls")),
    path("", include("notifications.urls")),
    path("", include("tickets.urls")),
    *webhooks.urlpatterns(),
    path("", include("api.urls")),
    path("admin/", admin.site.urls),
]
