"""Trigram indexes for Projektverwaltung's search (PostgreSQL only).

The search matches `UPPER(column) LIKE UPPER('%text%')` (Django's icontains) on p-numbers,
project names and customer names; GIN trigram indexes on exactly those expressions let
PostgreSQL find the matches without reading every project and customer. On other databases
nothing happens: the search works the same, only slower at scale. Creating the extension needs
the CREATE privilege on the database (pg_trgm is a trusted extension).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEXES = {
    "project_number_trgm": ("projects_project", "number"),
    "project_name_trgm": ("projects_project", "name"),
    "customer_company_trgm": ("customercenter_customer", "company"),
    "customer_first_name_trgm": ("customercenter_customer", "first_name"),
    "customer_last_name_trgm": ("customercenter_customer", "last_name"),
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, column) in INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0002_ssl_order_per_project"),
        ("customercenter", "0001_initial"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
