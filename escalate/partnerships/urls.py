from django.urls import path

from escalate.partnerships import authoring_views, views

app_name = "partnerships"
urlpatterns = [
    path("<slug:slug>/procedure/", views.procedure_page, name="procedure"),
    path("<slug:slug>/procedure/versions/", authoring_views.versions_page, name="versions"),
    path("<slug:slug>/procedure/versions/new/", authoring_views.start_draft, name="start_draft"),
    path(
        "<slug:slug>/procedure/versions/<uuid:version_id>/",
        authoring_views.version_page,
        name="procedure_version",
    ),
    path(
        "<slug:slug>/procedure/versions/<uuid:version_id>/edit/",
        authoring_views.edit_draft,
        name="edit_draft",
    ),
    path(
        "<slug:slug>/procedure/versions/<uuid:version_id>/preview/",
        authoring_views.preview_draft,
        name="preview_draft",
    ),
    path(
        "<slug:slug>/procedure/versions/<uuid:version_id>/publish/",
        authoring_views.publish_draft,
        name="publish_draft",
    ),
    path("<slug:slug>/roles/", views.role_history_page, name="role_history"),
]
