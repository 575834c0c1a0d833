"""Case pages: raising in urls_raise_journey; the case page and its actions in urls_case_pages."""

from django.urls import include, path

app_name = "cases"
urlpatterns = [
    path("", include("escalate.cases.urls_raise_journey")),
    path("", include("escalate.cases.urls_case_pages")),
]
