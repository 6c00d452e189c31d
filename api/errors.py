"""Every error of the API is JSON: a machine-readable `code`, a `message` in the caller's
language (Accept-Language), and for bad input the `errors` of each field."""

from __future__ import annotations

import math

from django import forms
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError

from customercenter.roles import Refused
from delegation.access import OWNER_ONLY
from delegation.rules import DelegationError


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[dict] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors or []


def not_found(message: str = "") -> ApiError:
    return ApiError(404, "not_found", message or _("Nicht gefunden."))


def invalid(errors: list[dict]) -> ApiError:
    return ApiError(422, "invalid_input", _("Die Eingabe ist ungültig; siehe „errors“."), errors)


def form_errors(form: forms.Form, *, rename: dict[str, str] | None = None) -> ApiError:
    """A Django form's errors, field by field (named as in the API: `rename`), as bad input."""
    rename = rename or {}
    errors = []
    for field, field_errors in form.errors.as_data().items():
        for error in field_errors:
            for message in error.messages:
                name = None if field == "__all__" else rename.get(field, field)
                errors.append({"field": name, "code": error.code or "invalid", "message": message})
    return invalid(errors)


def _type_messages() -> dict[str, str]:
    expected = _("Falscher Typ: erwartet %(expected)s.")
    return {
        "missing": _("Dieses Feld fehlt."),
        "extra_forbidden": _("Dieses Feld gibt es nicht."),
        "nul_character": _("Nullbytes sind nicht erlaubt."),
        "string_type": expected % {"expected": _("Text")},
        "int_type": expected % {"expected": _("eine ganze Zahl")},
        "int_parsing": expected % {"expected": _("eine ganze Zahl")},
        "bool_type": expected % {"expected": "true/false"},
        "bool_parsing": expected % {"expected": "true/false"},
        "list_type": expected % {"expected": _("eine Liste")},
        "model_type": expected % {"expected": _("ein Objekt")},
        "model_attributes_type": expected % {"expected": _("ein Objekt")},
        "dict_type": expected % {"expected": _("ein Objekt")},
        "date_type": expected % {"expected": _("ein Datum (JJJJ-MM-TT)")},
        "date_parsing": expected % {"expected": _("ein Datum (JJJJ-MM-TT)")},
        "date_from_datetime_parsing": expected % {"expected": _("ein Datum (JJJJ-MM-TT)")},
        "date_from_datetime_inexact": expected % {"expected": _("ein Datum (JJJJ-MM-TT)")},
    }


def _field_error(error: dict, messages: dict[str, str]) -> dict:
    kind = error.get("type", "invalid")
    context = error.get("ctx") or {}
    if kind in messages:
        message = messages[kind]
    elif kind in {"enum", "literal_error"}:
        message = _("Unbekannter Wert; erlaubt sind: %(expected)s.") % {"expected": context.get("expected", "")}
    elif kind == "string_too_long":
        message = _("Höchstens %(n)s Zeichen.") % {"n": context.get("max_length")}
    elif kind == "too_long":
        message = _("Höchstens %(n)s Einträge.") % {"n": context.get("max_length")}
    elif kind in {"greater_than_equal", "less_than_equal"}:
        message = _("Dieser Wert liegt außerhalb des erlaubten Bereichs.")
    else:
        message = _("Ungültiger Wert.")
    # ("body", "payload", "name") names the field "name"; ("query", "role") names "role".
    location = [str(part) for part in error.get("loc", ())]
    if location[:1] == ["body"]:
        location = location[2:]
    elif location:
        location = location[1:]
    return {"field": ".".join(location) or None, "code": kind, "message": message}


def _response(api: NinjaAPI, request: HttpRequest, error: ApiError) -> HttpResponse:
    body = {"code": error.code, "message": error.message}
    if error.errors:
        body["errors"] = error.errors
    return api.create_response(request, body, status=error.status)


def install(api: NinjaAPI) -> None:
    """Answer every failure of `api` as JSON with a code; nothing reaches the caller as a 500 page."""

    @api.exception_handler(ApiError)
    def api_error(request, exc: ApiError):
        return _response(api, request, exc)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc: ValidationError):
        messages = _type_messages()
        return _response(api, request, invalid([_field_error(error, messages) for error in exc.errors]))

    @api.exception_handler(AuthenticationError)
    def authentication_error(request, exc):
        message = _("Bitte ein gültiges API-Token im Header „Authorization: Bearer …“ mitsenden.")
        response = _response(api, request, ApiError(401, "not_authenticated", message))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(Throttled)
    def throttled(request, exc: Throttled):
        seconds = math.ceil(exc.wait) if exc.wait else 60
        message = _("Zu viele Anfragen mit diesem Token. Bitte warte %(n)s Sekunden.") % {"n": seconds}
        return _response(api, request, ApiError(429, "rate_limited", message))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return _response(api, request, ApiError(413, "body_too_large", _("Die Anfrage ist zu groß.")))

    @api.exception_handler(HttpError)
    def http_error(request, exc: HttpError):
        # ninja answers a body it cannot parse with a 400 of its own.
        if exc.status_code == 400:
            message = _("Der Inhalt der Anfrage ist kein gültiges JSON.")
            return _response(api, request, ApiError(400, "malformed_json", message))
        return _response(api, request, ApiError(exc.status_code, "error", str(exc)))

    @api.exception_handler(Http404)
    def http404(request, exc: Http404):
        return _response(api, request, not_found(str(exc) if exc.args else ""))

    @api.exception_handler(ObjectDoesNotExist)
    def does_not_exist(request, exc):
        return _response(api, request, not_found())

    @api.exception_handler(Refused)
    def refused(request, exc: Refused):
        code = "owner_only" if exc.action in OWNER_ONLY else "read_only_scope"
        return _response(api, request, ApiError(403, code, exc.action.reason))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return _response(api, request, ApiError(403, "forbidden", str(exc) or _("Das darfst du nicht.")))

    @api.exception_handler(DelegationError)
    def delegation_error(request, exc: DelegationError):
        return _response(api, request, ApiError(409, "conflict", str(exc)))
