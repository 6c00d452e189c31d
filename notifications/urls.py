from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("benachrichtigungen/", views.notification_list, name="list"),
    path("benachrichtigungen/gelesen/", views.mark_all_read, name="mark_all_read"),
]
