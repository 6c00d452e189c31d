"""Reading settings from the environment: each helper names the variable when its value is
malformed, so a bad value stops the start with a message instead of failing later."""

import os
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_price(name: str, default: str) -> Decimal:
    """A price in euros as Order.price stores it: digits, a dot and at most two decimals."""
    raw = os.environ.get(name)
    value = default if raw is None or raw.strip() == "" else raw.strip()
    try:
        price = Decimal(value)
    except InvalidOperation:
        price = Decimal("NaN")
    if not (price.is_finite() and 0 <= price < 10**7 and price == round(price, 2)):
        raise ImproperlyConfigured(
            f"{name} must be a price in euros with a dot and at most two decimals, e.g. 49.00, got {value!r}"
        )
    return round(price, 2)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    value = env_str(name, default).rstrip("/")
    if not value.startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{name} must be an absolute http(s) URL, got {value!r}")
    return value
