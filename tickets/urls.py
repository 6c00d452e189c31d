from django.urls import path

from tickets import views

app_name = "tickets"

urlpatterns = [
    path("tickets/", views.ticket_list, name="list"),
    path("tickets/neu/", views.ticket_new, name="new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="detail"),
    path("tickets/<int:pk>/antworten/", views.ticket_reply, name="reply"),
    path("tickets/<int:pk>/schliessen/", views.ticket_close, name="close"),
    path("tickets/<int:pk>/wieder-oeffnen/", views.ticket_reopen, name="reopen"),
    path("tickets/anhang/<int:pk>/", views.attachment_download, name="attachment"),
]
