from django.urls import path

from escalate.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.notifications, name="list"),
]
