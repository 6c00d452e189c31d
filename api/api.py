"""The partner API, /api/v1/: what agencies do in the browser, scripted."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from api import caretakerships, errors, management_requests, projects, releases
from api.auth import TokenAuth, TokenRateThrottle

# The texts of the schema and the docs are lazy: ninja builds the schema at each request, so it
# speaks the caller's language (Accept-Language or the language chosen in the customer center).
api = NinjaAPI(
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
