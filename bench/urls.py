"""Escalate's URLs, and the bare view the bench measures the pages against."""

from django.urls import include, path

from bench.bare import bare
from escalate import urls as escalate_urls

urlpatterns = [
    path("bench/bare/", bare, name="bench_bare"),
    path("", include("escalate.urls")),
]

handler400 = escalate_urls.handler400
handler403 = escalate_urls.handler403
handler404 = escalate_urls.handler404
handler500 = escalate_urls.handler500
