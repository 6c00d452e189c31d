"""`manage.py demo`: demo logins with the README's password, only where debug is on or when forced."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from customercenter.management.commands.demo import PASSWORD
from customercenter.models import User
from projects.models import Project


def test_demo_refuses_without_debug_and_creates_nothing(settings, db):
    settings.DEBUG = False

    with pytest.raises(CommandError, match=r"DJANGO_DEBUG is off.*--allow-public-passwords"):
        call_command("demo")

    assert not User.objects.exists()
    assert not Project.objects.exists()


def test_demo_without_debug_runs_when_explicitly_allowed(settings, db):
    settings.DEBUG = False

    call_command("demo", "--allow-public-passwords")

    assert User.objects.get(email="support@example.com").is_superuser
    assert Project.objects.filter(number="p10001").exists()


def test_demo_with_debug_loads_twice_and_support_signs_in_to_the_admin(settings, db):
    settings.DEBUG = True

    call_command("demo")
    call_command("demo")

    assert User.objects.filter(email="support@example.com").count() == 1
    client = Client()
    response = client.post("/konto/login/?next=/admin/", {"login": "support@example.com", "password": PASSWORD})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
