from django.urls import path

from projects import order_views, views

app_name = "projects"

urlpatterns = [
    path("projekte/", views.project_list, name="list"),
    path("projekte/<str:number>/", views.project_detail, name="detail"),
    path("projekte/<str:number>/php/", views.php_version, name="php_version"),
    path("projekte/<str:number>/datenbanken/", views.database_create, name="database_create"),
    path(
        "projekte/<str:number>/datenbanken/<str:name>/loeschen/",
        views.database_delete,
        name="database_delete",
    ),
    path(
        "projekte/<str:number>/datenbanken/<str:name>/passwort/",
        views.database_reset_password,
        name="database_reset_password",
    ),
    path("projekte/<str:number>/domains/", views.domain_add, name="domain_add"),
    path("projekte/<str:number>/domains/<str:name>/", views.domain_edit, name="domain_edit"),
    path("projekte/<str:number>/domains/<str:name>/entfernen/", views.domain_remove, name="domain_remove"),
    path("projekte/<str:number>/bestellen/ssl/", order_views.order_ssl, name="order_ssl"),
    path("projekte/<str:number>/bestellen/domain/", order_views.order_domain, name="order_domain"),
    path(
        "projekte/<str:number>/zugriff/<int:pk>/ablaufdatum/", views.caretakership_expiry, name="caretakership_expiry"
    ),
    path("projekte/<str:number>/zugriff/<int:pk>/umfang/", views.caretakership_scope, name="caretakership_scope"),
    path("server/", views.server_list, name="servers"),
    path("server/<str:number>/", views.server_detail, name="server_detail"),
]
