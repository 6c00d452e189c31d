from django.urls import path, register_converter

from customercenter.converters import (
    DatabaseNameConverter,
    DomainNameConverter,
    ProjectNumberConverter,
    ServerNumberConverter,
)
from projects import order_views, views

register_converter(ProjectNumberConverter, "project")
register_converter(ServerNumberConverter, "server")
register_converter(DatabaseNameConverter, "database")
register_converter(DomainNameConverter, "domain")

app_name = "projects"

urlpatterns = [
    path("projekte/", views.project_list, name="list"),
    path("projekte/<project:number>/", views.project_detail, name="detail"),
    path("projekte/<project:number>/php/", views.php_version, name="php_version"),
    path("projekte/<project:number>/datenbanken/", views.database_create, name="database_create"),
    path(
        "projekte/<project:number>/datenbanken/<database:name>/loeschen/",
        views.database_delete,
        name="database_delete",
    ),
    path(
        "projekte/<project:number>/datenbanken/<database:name>/passwort/",
        views.database_reset_password,
        name="database_reset_password",
    ),
    path("projekte/<project:number>/domains/", views.domain_add, name="domain_add"),
    path("projekte/<project:number>/domains/<domain:name>/", views.domain_edit, name="domain_edit"),
    path("projekte/<project:number>/domains/<domain:name>/entfernen/", views.domain_remove, name="domain_remove"),
    path("projekte/<project:number>/bestellen/ssl/", order_views.order_ssl, name="order_ssl"),
    path("projekte/<project:number>/bestellen/domain/", order_views.order_domain, name="order_domain"),
    path(
        "projekte/<project:number>/zugriff/<int:pk>/ablaufdatum/",
        views.caretakership_expiry,
        name="caretakership_expiry",
    ),
    path("projekte/<project:number>/zugriff/<int:pk>/umfang/", views.caretakership_scope, name="caretakership_scope"),
    path("server/", views.server_list, name="servers"),
    path("server/<server:number>/", views.server_detail, name="server_detail"),
]
