"""URL parameters, checked by the URL resolver before any view looks them up.

A value that cannot be a p-number, server number, database name, domain name or release token
(a NUL character, an overlong value, text outside its alphabet) is "not found" without a query.
PostgreSQL refuses NUL in text where SQLite merely finds nothing, so a lookup must never see one.
"""

from django.urls.converters import StringConverter


class ProjectNumberConverter(StringConverter):
    """A p-number as people type it: any case, blanks around it (the access helper normalises)."""

    regex = r" *[pP][0-9]{1,9} *"


class ServerNumberConverter(StringConverter):
    regex = r" *[sS][0-9]{1,9} *"


class DatabaseNameConverter(StringConverter):
    regex = r"[A-Za-z0-9_]{1,40}"


class DomainNameConverter(StringConverter):
    """Internationalised names keep their letters (bäckerei.de); no control characters."""

    regex = r"[^/\x00-\x1f\x7f]{1,253}"


class TokenConverter(StringConverter):
    """A release token from `secrets.token_urlsafe`."""

    regex = r"[A-Za-z0-9_-]{1,64}"
