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
    # Any other address under the API is answered like the API's own errors, not with a page.
    path("api/v1/<path:rest>", views.unknown_api_path),
    path("konto/api-tokens/", include(token_patterns)),
]
