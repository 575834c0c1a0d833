"""Raising a professional challenge, page by page (included at /cases/, app "cases")."""

from django.urls import path

from escalate.cases.views import raise_journey

urlpatterns = [
    path("raise/", raise_journey.start, name="raise"),
    path("raise/check-your-answers/", raise_journey.check, name="raise_check"),
    path("raise/not-covered/", raise_journey.out_of_scope, name="raise_out_of_scope"),
    path("raise/start-again/", raise_journey.cancel, name="raise_cancel"),
    path("raise/raised/<str:reference>/", raise_journey.done, name="raise_done"),
    path("raise/<slug:slug>/", raise_journey.step, name="raise_step"),
]
