from django.urls import path, register_converter

from customercenter.converters import TokenConverter
from delegation import link_views, views

register_converter(TokenConverter, "token")

urlpatterns = [
    path("", views.overview, name="caretakers"),
    path("liste/<slug:name>/", views.full_list, name="list"),
    path("verwaltung-beantragen/", views.request_new, name="request_new"),
    path("antraege/<int:pk>/annehmen/", views.request_accept, name="request_accept"),
    path("antraege/<int:pk>/ablehnen/", views.request_decline, name="request_decline"),
    path("antraege/<int:pk>/zurueckziehen/", views.request_withdraw, name="request_withdraw"),
    path("projektfreigabe/", views.release_new, name="release_new"),
    path("freigaben/<int:pk>/zurueckziehen/", views.release_withdraw, name="release_withdraw"),
    path("freigaben/<int:pk>/neu-senden/", views.release_resend, name="release_resend"),
    path("freigaben/<int:pk>/annehmen/", views.release_accept, name="release_accept"),
    path("freigaben/<int:pk>/ablehnen/", views.release_decline, name="release_decline"),
    path("betreuungen/<int:pk>/widerrufen/", views.caretakership_revoke, name="caretakership_revoke"),
    path("betreuungen/<int:pk>/beenden/", views.caretakership_end, name="caretakership_end"),
]

link_patterns = [
    path("<token:token>/", link_views.release_link, name="release_link"),
    path("<token:token>/annehmen/", link_views.release_link_accept, name="release_link_accept"),
    path("<token:token>/ablehnen/", link_views.release_link_decline, name="release_link_decline"),
]
