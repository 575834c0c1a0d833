from django.urls import path

from escalate.reports import views

app_name = "reports"
urlpatterns = [
    # Each of a case's forms ("stage-4", "outcome") at its own address.
    path("cases/<str:reference>/forms/<slug:form_key>/", views.case_form, name="case_form"),
    path(
        "cases/<str:reference>/forms/<slug:form_key>/print/",
        views.case_form_print,
        name="case_form_print",
    ),
    path(
        "cases/<str:reference>/forms/<slug:form_key>.pdf", views.case_form_pdf, name="case_form_pdf"
    ),
    path(
        "cases/<str:reference>/forms/<slug:form_key>.docx",
        views.case_form_docx,
        name="case_form_docx",
    ),
    # The older addresses, from when a case had one form: to its first stage form.
    path("cases/<str:reference>/referral/", views.referral_form, name="referral_form"),
    path("cases/<str:reference>/referral/print/", views.referral_print, name="referral_print"),
    path("cases/<str:reference>/referral.pdf", views.referral_pdf, name="referral_pdf"),
    path("cases/<str:reference>/referral.docx", views.referral_docx, name="referral_docx"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/policy-issues/", views.policy_issues, name="policy_issues"),
]
