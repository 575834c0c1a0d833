from django.urls import path

from escalate.reports import views

app_name = "reports"
urlpatterns = [
    path("cases/<str:reference>/referral/", views.referral_form, name="referral_form"),
    path("cases/<str:reference>/referral/print/", views.referral_print, name="referral_print"),
    path("cases/<str:reference>/referral.pdf", views.referral_pdf, name="referral_pdf"),
    path("cases/<str:reference>/referral.docx", views.referral_docx, name="referral_docx"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/report/", views.report, name="report"),
    path("<slug:slug>/policy-issues/", views.policy_issues, name="policy_issues"),
]
