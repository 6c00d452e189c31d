"""Lists page by cursor: ninja's cursor pagination, with a cursor that the caller made up by hand
(a position that is no value of the ordering field, an offset out of range) refused as bad input
instead of reaching the database."""

from __future__ import annotations

from typing import Any

import pydantic
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Schema, pagination
from ninja.errors import ValidationError

from api.errors import ApiError, invalid


def invalid_cursor() -> ApiError:
    message = _("Ungültiger Cursor. Blättere mit den Adressen aus „next“ und „previous“.")
    return invalid([{"field": "cursor", "code": "invalid_cursor", "message": message}])


class CursorPagination(pagination.CursorPagination):
    class Input(Schema):
        page_size: int | None = Field(None, description=gettext_lazy("Einträge pro Seite, höchstens 200."))
        cursor: str | None = Field(
            None, description=gettext_lazy("Wo die Seite beginnt: aus „next“ oder „previous“ der vorigen Antwort.")
        )

    class Cursor(pagination.CursorPagination.Cursor):
        @classmethod
        def from_encoded_param(cls, encoded_param: str | None, context: Any = None):
            try:
                return super().from_encoded_param(encoded_param, context)
            except (ValidationError, pydantic.ValidationError):
                raise invalid_cursor() from None

    # ninja filters the list by the cursor's position here (django-ninja 1.7), as it came.
    def _find_position(self, queryset: QuerySet, cursor: Cursor) -> QuerySet:
        if cursor.p is not None:
            meta = queryset.model._meta
            field = meta.pk if self._order_attribute == "pk" else meta.get_field(self._order_attribute)
            try:
                field.to_python(cursor.p)
            except DjangoValidationError:
                raise invalid_cursor() from None
            if "\x00" in cursor.p:
                raise invalid_cursor()
        return super()._find_position(queryset, cursor)
