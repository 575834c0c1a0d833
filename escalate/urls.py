from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from escalate.accounts.forms import AdminSignInForm
from escalate.core import views

admin.site.site_header = "Escalate administration"
admin.site.site_title = "Escalate administration"
admin.site.index_title = "People, partnerships and agencies"
admin.site.login_form = AdminSignInForm

handler400 = "escalate.core.views.bad_request"
handler403 = "escalate.core.views.permission_denied"
handler404 = "escalate.core.views.page_not_found"
handler500 = "escalate.core.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("directory/", views.directory, name="directory"),
    path("cases/", include("escalate.cases.urls")),
    path("partnerships/", include("escalate.partnerships.urls")),
    path("notifications/", include("escalate.notifications.urls")),
    path("board/", include("escalate.reports.urls")),
    # Signing in and out, and passwords.
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/sessions/", views.your_sessions, name="your_sessions"),
    path("accounts/session-status/", views.session_status, name="session_status"),
    path(
        "accounts/password_change/",
        views.ChangePasswordView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", views.ResetPasswordView.as_view(), name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.ChooseNewPasswordView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The administration site's sign-in page offers "Forgotten your password?" when this
    # name exists; it goes to the same reset as everyone else's.
    path(
        "admin/password_reset/",
        views.ResetPasswordView.as_view(),
        name="admin_password_reset",
    ),
    path("admin/login/", views.admin_sign_in, name="admin_sign_in"),
    path("admin/", admin.site.urls),
]
