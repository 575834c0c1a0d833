from django.urls import path

from escalate.partnerships import views

app_name = "partnerships"
urlpatterns = [
    path("<slug:slug>/procedure/", views.procedure_page, name="procedure"),
    path("<slug:slug>/roles/", views.role_history_page, name="role_history"),
]
