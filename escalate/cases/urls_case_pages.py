"""The case page, its action pages and the other professional's invitation link."""

from django.urls import path

from escalate.cases.views import (
    case_page,
    condition_actions,
    invitation,
    record_actions,
    stage_actions,
    timescale_actions,
)

urlpatterns = [
    path("invitation/<str:token>/", invitation.invitation, name="invitation"),
    path("<str:reference>/", case_page.case_page, name="case"),
    path("<str:reference>/record/", record_actions.RecordContactView.as_view(), name="record"),
    path("<str:reference>/tick/", stage_actions.TickView.as_view(), name="tick"),
    path("<str:reference>/actions/add/", record_actions.AddActionView.as_view(), name="add_action"),
    path(
        "<str:reference>/actions/<int:pk>/done/",
        record_actions.CompleteActionView.as_view(),
        name="complete_action",
    ),
    path("<str:reference>/resolve/", stage_actions.ResolveView.as_view(), name="resolve"),
    path("<str:reference>/escalate/", stage_actions.EscalateView.as_view(), name="escalate"),
    path("<str:reference>/expedite/", stage_actions.ExpediteView.as_view(), name="expedite"),
    path("<str:reference>/panel/", stage_actions.PanelView.as_view(), name="panel"),
    path("<str:reference>/withdraw/", stage_actions.WithdrawView.as_view(), name="withdraw"),
    path(
        "<str:reference>/notice/",
        condition_actions.GiveNoticeView.as_view(),
        name="give_notice",
    ),
    path(
        "<str:reference>/consultation/",
        condition_actions.RecordConsultationView.as_view(),
        name="record_consultation",
    ),
    path(
        "<str:reference>/timescale/",
        timescale_actions.SetTimescaleView.as_view(),
        name="set_timescale",
    ),
    path(
        "<str:reference>/policy-issue/",
        record_actions.PolicyIssueView.as_view(),
        name="policy_issue",
    ),
    path(
        "<str:reference>/policy-issues/<int:pk>/respond/",
        record_actions.PolicyResponseView.as_view(),
        name="policy_response",
    ),
    path("<str:reference>/debrief/", record_actions.DebriefView.as_view(), name="debrief"),
    path("<str:reference>/learning/", record_actions.LearningView.as_view(), name="learning"),
    path(
        "<str:reference>/acknowledge/",
        stage_actions.AcknowledgeView.as_view(),
        name="acknowledge",
    ),
    path("<str:reference>/respond/", stage_actions.RespondView.as_view(), name="respond"),
    path(
        "<str:reference>/invitation/send-again/",
        invitation.ResendInvitationView.as_view(),
        name="resend_invitation",
    ),
]
