"""Signed-in cookies for the load test: a session written the way django.contrib.auth.login()
writes one, and a CSRF cookie. Works under any settings that install auth and sessions."""

from __future__ import annotations

import secrets
import string
from importlib import import_module

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY


def session_for(user) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def csrf_cookie() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32))


def signed_in(user, csrf: str) -> dict[str, str]:
    return {settings.SESSION_COOKIE_NAME: session_for(user), settings.CSRF_COOKIE_NAME: csrf}
