from django.urls import include, path

from api import views
from api.api import api

token_patterns = (
    [
        path("", views.token_list, name="list"),
        path("neu/", views.token_new, name="new"),
        path("<int:pk>/widerrufen/", views.token_revoke, name="revoke"),
    ],
    "api_tokens",
)

urlpatterns = [
    path("api/v1/", api.urls),
    path("konto/api-tokens/", include(token_patterns)),
]
