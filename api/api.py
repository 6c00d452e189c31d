"""The partner API, /api/v1/: what agencies do in the browser, scripted."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from api import caretakerships, errors, management_requests, projects, releases
from api.auth import TokenAuth, TokenRateThrottle


class PartnerAPI(NinjaAPI):
    """Builds its OpenAPI schema once per process instead of at every request: the schema and
    the docs are public, and the schema depends only on the code. Its texts are lazy, so each
    response still speaks the caller's language (Accept-Language or the language chosen in the
    customer center)."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        schemas = self.__dict__.setdefault("_schemas", {})
        if path_prefix not in schemas:
            schemas[path_prefix] = super().get_openapi_schema(path_prefix=path_prefix)
        return schemas[path_prefix]


api = PartnerAPI(
    title=_("Kundencenter Partner-API"),
    version="1",
    description=_(
        "Projekte, Verwaltungsanträge, Projektfreigaben und Betreuungen per Skript. "
        "Authentifizierung: `Authorization: Bearer <API-Token>` (Konto → API-Tokens). "
        "Fehler: JSON mit `code` und `message` (Sprache nach Accept-Language)."
    ),
    auth=TokenAuth(),
    throttle=TokenRateThrottle(),
    urls_namespace="api",
)
errors.install(api)
api.add_router("", projects.router)
api.add_router("", management_requests.router)
api.add_router("", releases.router)
api.add_router("", caretakerships.router)
