"""The words of the demo's cases: made-up people at risk, made-up professionals and
what everyone writes. Every person at risk is plainly invented (surnames such as
Example and Placeholder, born on 1 January, living on Example Street with the dummy
postcode ZZ99 9ZZ); professionals are made up as the demo's staff are."""

from __future__ import annotations

import datetime as dt

from escalate.partnerships.demo import demo_name

FIRST_NAMES = (  # noqa: SIM905 - easier to read and edit as text
    "Alex Sam Jo Robin Casey Morgan Jamie Charlie Frankie Riley Taylor Jordan Avery Quinn "
    "Rowan Sky Harley Ellis Remy Kit"
).split()
SURNAMES = (  # noqa: SIM905
    "Example Sample Placeholder Specimen Madeup Fictional Pretend Imaginary Testperson Notreal"
).split()

#: The one address the demo's mailbox refuses, to show a notification that failed.
BOUNCING_LOCAL = "nobody.at.this.address"


def person_name(n: int, family: bool = False) -> str:
    surname = SURNAMES[(n // len(FIRST_NAMES)) % len(SURNAMES)]
    if family:
        return f"The {surname} family"
    return f"{FIRST_NAMES[n % len(FIRST_NAMES)]} {surname}"


def professional_name(n: int) -> str:
    """A professional in an agency with no demo accounts: made up like the demo's staff."""
    return demo_name(200 + n % 1000)


def address(n: int) -> str:
    return f"{n % 200 + 1} Example Street, Demotown, ZZ99 9ZZ"


def birthday(today: dt.date, n: int, child: bool) -> dt.date:
    """1 January of a year that gives a plausible age: obviously not a real birthday."""
    age = 2 + n % 15 if child else 19 + n % 76
    return dt.date(today.year - age, 1, 1)


def pick(options: tuple[str, ...], n: int) -> str:
    return options[n % len(options)]


DISAGREEMENTS = (
    "Whether the care package still meets their needs since their mobility got worse.",
    "Whether the concerns reported by a neighbour meet the threshold for a safeguarding enquiry.",
    "Whether discharge from hospital can go ahead before a home assessment has been done.",
    "Who should lead on the plan now that several agencies are involved.",
    "Whether information can be shared with the housing provider without consent.",
    "Whether the missed appointments are a sign of neglect or of a transport problem.",
    "Whether a mental capacity assessment is needed before the decision about moving.",
    "Whether the referral should have been accepted when it was first made.",
    "How quickly the agreed actions from the last meeting should have been completed.",
    "Whether the risk from a family member has been properly assessed.",
)
OUTCOMES_SOUGHT = (
    "A joint review of the plan within two weeks.",
    "A decision on the referral, with reasons, in writing.",
    "A professionals meeting with everyone involved.",
    "A named lead professional and clear actions for each agency.",
    "The assessment completed before any decision is made.",
)
VIEWS = (
    "Says they want to stay in their own home.",
    "Would like their daughter to be involved in decisions.",
    "Has not been asked yet; will be seen this week.",
    "Is worried about losing their independence.",
    "",
)
DISAGREE_REASONS = (
    "The assessment was done properly and the threshold is not met.",
    "We do not have the capacity to take this on, and another service is better placed.",
    "The plan is working; the concerns are about a one-off incident.",
    "Our records show the actions were completed.",
)
AGREE_REASONS = ("We agree and will review the plan this week.", "")
ESCALATIONS = (
    "Discussed with the other professional twice; we still disagree about the threshold.",
    "No agreement reached at the meeting; the other agency's position has not changed.",
    "The other agency has not replied within the timescale.",
    "Agreed actions were not completed and the risk remains.",
    "We cannot agree who should lead; this needs a more senior decision.",
)
EXPEDITE_REASONS = (
    "The person is at immediate risk of harm and a decision is needed today.",
    "Their carer has been admitted to hospital and nobody is supporting them at home.",
)
OUTCOMES = (
    "Agreed to hold a joint review and update the plan.",
    "The other agency accepted the referral and will assess within five working days.",
    "A lead professional was agreed and the actions shared with everyone involved.",
    "The chair recommended a multi-agency meeting and a revised plan, accepted by both agencies.",
    "Both agencies agreed the threshold was met; an enquiry has started.",
    "Information sharing agreed with consent; the housing provider is now involved.",
)
WITHDRAWALS = (
    "The other agency has now done what was asked, so the challenge is no longer needed.",
    "Raised in error: the disagreement was about a different person's plan.",
    "The person has moved out of the area and the new authority is leading.",
)
CONTACTS = (
    "Phoned the other professional to talk through the concerns.",
    "Emailed the other agency asking for their assessment.",
    "Spoke to the duty manager, who will pass the concerns on.",
    "Left a message; no reply yet.",
)
MEETINGS = (
    "Professionals meeting held; each agency set out its view and actions were agreed.",
    "Met the opposite manager; agreed to share records before the next meeting.",
    "Strategy discussion with everyone involved; no agreement yet on who leads.",
)
NOTES = (
    "Recorded on the person's file in both agencies.",
    "Advice sought from the safeguarding lead.",
    "The person's views were checked again; they have not changed.",
)
WITH_WHOM = ("The other professional", "Both team managers", "Everyone involved", "")
PANEL_DETAILS = (
    "Usual multi-agency discussions have not reduced the risk, which remains high.",
    "The adult is at high risk and the agencies cannot agree a plan.",
)
POLICY_ISSUES = (
    "There is no agreed timescale for sharing assessments between health and social care.",
    "The hospital discharge policy does not say who checks that support is in place.",
    "Agencies read the threshold guidance differently; it needs clearer examples.",
    "Out-of-hours contacts for safeguarding leads are not published.",
)
POLICY_RESPONSES = (
    "Thank you. The board's policy group will review the guidance at its next meeting.",
    "Agreed: the business unit will publish the contacts this month.",
    "The partners have agreed a timescale, which will be added to the procedure.",
)
ACTIONS = (
    "Hold a joint review of the plan",
    "Share the assessment with the other agency",
    "Complete the mental capacity assessment",
    "Confirm the lead professional in writing",
    "Arrange a home visit with both agencies",
)
DONE_NOTES = ("Done; notes shared with both agencies.", "Completed at the review meeting.", "")
THEMES = (
    "Information sharing",
    "Thresholds",
    "Communication between agencies",
    "Roles and responsibilities",
    "Hospital discharge",
    "Mental capacity",
    "Timeliness of assessments",
)
WHY_NOT_EARLIER = (
    "The professionals involved did not have the time to meet until the managers stepped in.",
    "Each agency was working from a different reading of the threshold guidance.",
    "Information was not shared early enough for a decision to be made.",
)
GOOD_PRACTICE = (
    "The person's views were kept at the centre throughout.",
    "Both agencies responded within the timescales.",
    "",
)
