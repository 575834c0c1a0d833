"""The case page, its action pages and the other professional's invitation link."""

from django.urls import path

from escalate.cases.views import case_pages as views

urlpatterns = [
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("<str:reference>/", views.case_page, name="case"),
    path("<str:reference>/record/", views.RecordContactView.as_view(), name="record"),
    path("<str:reference>/tick/", views.TickView.as_view(), name="tick"),
    path("<str:reference>/actions/add/", views.AddActionView.as_view(), name="add_action"),
    path(
        "<str:reference>/actions/<int:pk>/done/",
        views.CompleteActionView.as_view(),
        name="complete_action",
    ),
    path("<str:reference>/resolve/", views.ResolveView.as_view(), name="resolve"),
    path("<str:reference>/escalate/", views.EscalateView.as_view(), name="escalate"),
    path("<str:reference>/expedite/", views.ExpediteView.as_view(), name="expedite"),
    path("<str:reference>/panel/", views.PanelView.as_view(), name="panel"),
    path("<str:reference>/withdraw/", views.WithdrawView.as_view(), name="withdraw"),
    path("<str:reference>/policy-issue/", views.PolicyIssueView.as_view(), name="policy_issue"),
    path(
        "<str:reference>/policy-issues/<int:pk>/respond/",
        views.PolicyResponseView.as_view(),
        name="policy_response",
    ),
    path("<str:reference>/debrief/", views.DebriefView.as_view(), name="debrief"),
    path("<str:reference>/learning/", views.LearningView.as_view(), name="learning"),
    path("<str:reference>/acknowledge/", views.AcknowledgeView.as_view(), name="acknowledge"),
    path("<str:reference>/respond/", views.RespondView.as_view(), name="respond"),
    path(
        "<str:reference>/invitation/send-again/",
        views.ResendInvitationView.as_view(),
        name="resend_invitation",
    ),
]
