from django.urls import path

from escalate.partnerships import views

app_name = "partnerships"
urlpatterns = [
    path("<slug:slug>/procedure/", views.procedure_page, name="procedure"),
]
