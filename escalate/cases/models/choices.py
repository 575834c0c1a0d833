"""The fixed choices of a case's fields."""

from __future__ import annotations

from django.db import models

# ---------------------------------------------------------------- choices


class SubjectType(models.TextChoices):
    ADULT = "adult", "An adult"
    CHILD = "child", "A child or young person"
    FAMILY = "family", "A family"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Response(models.TextChoices):
    AGREE = "agree", "Agrees with the challenge"
    DISAGREE = "disagree", "Disagrees with the challenge"


class Conclusion(models.TextChoices):
    RESOLVED = "resolved", "Resolved"
    ESCALATED = "escalated", "Escalated to the next stage"
    EXPEDITED = "expedited", "Expedited to a later stage"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ContactKind(models.TextChoices):
    CONTACT = "contact", "Contact (call, email or message)"
    MEETING = "meeting", "Meeting"
    NOTE = "note", "Note"


class PolicyIssueStatus(models.TextChoices):
    OPEN = "open", "Awaiting a response"
    RESPONDED = "responded", "Responded to"
