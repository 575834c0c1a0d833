"""The five seed procedures, checked against the documents they encode.

Each definition in ``escalate/procedures/library/`` encodes one published document in
``shared/seeds/``. These tests pin down what a practitioner relies on: how many stages
there are, who acts at each, the deadlines (worked out by hand from a calendar and
written as literal dates), panels, forms, what is out of scope, and whether a case may
skip ahead when someone is at risk.

England and Wales bank holidays used below: Christmas Day Fri 25 Dec 2026, Boxing Day
substitute Mon 28 Dec 2026, New Year's Day Fri 1 Jan 2027, Good Friday 26 Mar 2027,
Easter Monday 29 Mar 2027, spring bank holiday Mon 31 May 2027, summer bank holiday
Mon 30 Aug 2027, Christmas and Boxing Day substitutes Mon 27 and Tue 28 Dec 2027, New
Year's Day substitute Mon 3 Jan 2028.
"""

from __future__ import annotations

import datetime as dt

import pytest

from escalate.procedures import library
from escalate.procedures.calendar import WorkingCalendar
from escalate.procedures.engine import stage_deadlines
from escalate.procedures.model import (
    Anchor,
    DutyKind,
    Prefill,
    Protects,
    Recipient,
    Role,
    Unit,
)

D = dt.date

SEEDS = [
    "cheshire-east-sab",
    "pan-cheshire-children",
    "shropshire-sscp",
    "hammersmith-fulham-sab",
    "warrington-sab",
]


def deadlines(key: str, arose: dt.date, started: dict[int, dt.date] | None = None):
    procedure = library.get(key)
    calendar = WorkingCalendar.for_region(procedure.region)
    return stage_deadlines(procedure, calendar, arose=arose, stage_started=started or {})


def start_and_conclude(key: str, arose: dt.date, started: dict[int, dt.date] | None = None):
    """{stage number: (start-by due, conclude-by due)}, None where a stage has no such date."""
    return {
        s.number: (
            s.start_by.due if s.start_by else None,
            s.conclude_by.due if s.conclude_by else None,
        )
        for s in deadlines(key, arose, started)
    }


def roles(key: str) -> dict[int, set[Role]]:
    return {s.number: set(s.roles) for s in library.get(key).stages}


def duty_kinds(key: str, number: int) -> list[DutyKind]:
    return [d.kind for d in library.get(key).stage(number).on_resolved]


# ---------------------------------------------------------------- every seed


@pytest.mark.parametrize("key", SEEDS)
def test_each_seed_procedure_is_in_the_library_under_its_own_key(key):
    procedure = library.get(key)
    assert procedure.key == key
    assert procedure.source.file == f"{key}.txt"


@pytest.mark.parametrize("key", SEEDS)
def test_each_seed_procedure_traces_its_timescales_and_required_actions_to_the_document(key):
    for stage in library.get(key).stages:
        for timescale in (stage.start_by, stage.conclude_by):
            if timescale is not None:
                assert timescale.source, f"stage {stage.number} timescale has no source"
        for item in stage.checklist:
            assert item.source, f"stage {stage.number} checklist {item.key} has no source"


@pytest.mark.parametrize("key", SEEDS)
def test_each_seed_procedure_says_how_it_read_its_document(key):
    assert library.get(key).readings


def test_england_is_the_working_calendar_for_every_seed():
    assert {library.get(k).region.value for k in SEEDS} == {"england-and-wales"}


# ---------------------------------------------------------------- Cheshire East SAB


def test_cheshire_east_day_numbers_roll_past_christmas_2026_bank_holidays():
    # Concern arose Wed 23 Dec 2026: day 3 is Christmas Day, and Mon 28 Dec is the
    # Boxing Day substitute, so step 2 must start by Tue 29 Dec.
    assert start_and_conclude("cheshire-east-sab", D(2026, 12, 23)) == {
        1: (D(2026, 12, 24), None),
        2: (D(2026, 12, 29), D(2026, 12, 31)),
        3: (D(2026, 12, 31), D(2027, 1, 5)),
        4: (D(2027, 1, 7), D(2027, 1, 12)),
    }


# ---------------------------------------------------------------- Pan Cheshire (children)

PAN = "pan-cheshire-children"


def test_pan_cheshire_protects_children_in_four_steps():
    procedure = library.get(PAN)
    assert procedure.protects is Protects.CHILDREN
    assert len(procedure.stages) == 4


def test_pan_cheshire_step_1_is_for_workers_and_step_2_for_line_managers_or_safeguarding_leads():
    assert roles(PAN)[1] == {Role.PRACTITIONER}
    assert roles(PAN)[2] == {Role.LINE_MANAGER, Role.SAFEGUARDING_LEAD}


def test_pan_cheshire_step_3_is_escalated_by_a_senior_manager_to_the_partnership_representative():
    step_3 = library.get(PAN).stage(3)
    assert set(step_3.roles) == {Role.SENIOR_MANAGER, Role.BOARD_REPRESENTATIVE}
    assert step_3.owners == (Role.BOARD_REPRESENTATIVE,)


def test_pan_cheshire_step_3_guidance_names_the_chair_of_governors_and_head_teacher_for_schools():
    assert "Chair of Governors alongside the Head Teacher" in library.get(PAN).stage(3).guidance


def test_pan_cheshire_step_4_is_for_the_statutory_partners_who_are_told_when_it_starts():
    step_4 = library.get(PAN).stage(4)
    assert step_4.roles == (Role.STATUTORY_PARTNER,)
    assert Recipient.STATUTORY_PARTNERS in step_4.notify_on_start


def test_pan_cheshire_step_1_must_be_raised_within_one_working_day_of_the_concern():
    step_1 = library.get(PAN).stage(1)
    assert (step_1.start_by.amount, step_1.start_by.unit) == (1, Unit.WORKING_DAYS)
    assert step_1.conclude_by is None


def test_pan_cheshire_day_numbers_count_calendar_days_from_the_concern_and_roll_forward():
    for stage in library.get(PAN).stages[1:]:
        for t in (stage.start_by, stage.conclude_by):
            assert (t.unit, t.anchor, t.roll_forward) == (
                Unit.CALENDAR_DAYS,
                Anchor.CONCERN_AROSE,
                True,
            )
    assert {
        s.number: (s.start_by.amount, s.conclude_by.amount) for s in library.get(PAN).stages[1:]
    } == {2: (3, 9), 3: (9, 14), 4: (16, 21)}


def test_pan_cheshire_deadlines_over_christmas_and_new_year_2026():
    # Arose Thu 24 Dec 2026. Day 3 = Sat 26 Dec -> (Sun, Boxing Day substitute Mon 28)
    # -> Tue 29 Dec. Day 9 = New Year's Day Fri 1 Jan -> Mon 4 Jan. Day 14 = Wed 6 Jan.
    # Day 16 = Fri 8 Jan. Day 21 = Wed 13 Jan. One working day after Thu 24 Dec = Tue 29.
    assert start_and_conclude(PAN, D(2026, 12, 24)) == {
        1: (D(2026, 12, 29), None),
        2: (D(2026, 12, 29), D(2027, 1, 4)),
        3: (D(2027, 1, 4), D(2027, 1, 6)),
        4: (D(2027, 1, 8), D(2027, 1, 13)),
    }


def test_pan_cheshire_step_2_start_rolls_over_easter_2027():
    # Arose Wed 24 Mar 2027. Day 3 = Good Friday 26 Mar -> (weekend, Easter Monday)
    # -> Tue 30 Mar. Day 9 = Thu 1 Apr; day 14 = Tue 6 Apr; day 16 = Thu 8 Apr;
    # day 21 = Tue 13 Apr. Step 1: Thu 25 Mar.
    assert start_and_conclude(PAN, D(2027, 3, 24)) == {
        1: (D(2027, 3, 25), None),
        2: (D(2027, 3, 30), D(2027, 4, 1)),
        3: (D(2027, 4, 1), D(2027, 4, 6)),
        4: (D(2027, 4, 8), D(2027, 4, 13)),
    }


def test_pan_cheshire_deadlines_roll_over_weekends_and_the_spring_bank_holiday_2027():
    # Arose Fri 21 May 2027. Step 1: Mon 24 May. Day 3 = Sun 23 May -> Mon 24 May.
    # Day 9 = Sat 29 May -> (Sun, spring bank holiday Mon 31) -> Tue 1 Jun.
    # Day 14 = Thu 3 Jun. Day 16 = Sat 5 Jun -> Mon 7 Jun. Day 21 = Thu 10 Jun.
    assert start_and_conclude(PAN, D(2027, 5, 21)) == {
        1: (D(2027, 5, 24), None),
        2: (D(2027, 5, 24), D(2027, 6, 1)),
        3: (D(2027, 6, 1), D(2027, 6, 3)),
        4: (D(2027, 6, 7), D(2027, 6, 10)),
    }


def test_pan_cheshire_step_4_uses_the_appendix_a_form_about_the_child():
    procedure = library.get(PAN)
    form = procedure.stage(4).referral_form
    assert form is not None
    assert form.title.startswith("Form for submitting professional challenge cases")
    assert form.fields[0].label == "Name of child or young person"
    assert {f.prefill for f in form.fields} >= {
        Prefill.PERSON_NAME,
        Prefill.PERSON_DATE_OF_BIRTH,
        Prefill.STAGE_3_CONCLUDED_ON,
        Prefill.DISAGREEMENT_SUMMARY,
    }
    assert [s.number for s in procedure.stages if s.referral_form] == [4]
    assert any("assumed from the sibling Cheshire East" in r for r in procedure.readings)


def test_pan_cheshire_never_skips_a_step_and_sends_significant_risk_to_the_front_door():
    expedite = library.get(PAN).expedite
    assert expedite.allowed is False
    assert "children's social care front door" in expedite.prompt


def test_pan_cheshire_does_not_replace_statutory_complaints_processes():
    (excluded,) = library.get(PAN).out_of_scope
    assert "statutory complaints" in excluded.go_instead


def test_pan_cheshire_feeds_steps_2_and_3_outcomes_back_to_the_practitioner_who_raised_it():
    for number in (2, 3):
        duties = library.get(PAN).stage(number).on_resolved
        feedback = [d for d in duties if d.kind is DutyKind.FEED_BACK_TO_RAISER]
        assert feedback and feedback[0].recipients == (Recipient.RAISING_PRACTITIONER,)
    assert DutyKind.FEED_BACK_TO_RAISER not in duty_kinds(PAN, 1)


def test_pan_cheshire_partnership_keeps_a_record_of_step_4_outcomes():
    assert DutyKind.REPORT_TO_BOARD in duty_kinds(PAN, 4)


def test_pan_cheshire_escalation_tells_senior_managers_then_the_partnership_manager():
    procedure = library.get(PAN)
    assert procedure.stage(2).on_unresolved.notify == (Recipient.SENIOR_MANAGERS,)
    assert procedure.stage(3).on_unresolved.notify == (Recipient.BUSINESS_UNIT,)


# ---------------------------------------------------------------- Shropshire SSCP

SHROP = "shropshire-sscp"


def test_shropshire_protects_children_adults_and_communities_in_five_stages():
    procedure = library.get(SHROP)
    assert procedure.protects is Protects.BOTH
    assert [s.number for s in procedure.stages] == [1, 2, 3, 4, 5]


def test_shropshire_stages_run_from_practitioner_to_assistant_director():
    assert roles(SHROP) == {
        1: {Role.PRACTITIONER},
        2: {Role.LINE_MANAGER},
        3: {Role.LINE_MANAGER},
        4: {Role.SENIOR_MANAGER},
        5: {Role.DIRECTOR},
    }


def test_shropshire_each_stage_lasts_at_most_its_working_days_from_when_it_began():
    stages = library.get(SHROP).stages
    assert [s.conclude_by.amount for s in stages] == [2, 4, 5, 7, 9]
    for stage in stages:
        assert stage.start_by is None
        assert (stage.conclude_by.unit, stage.conclude_by.anchor) == (
            Unit.WORKING_DAYS,
            Anchor.STAGE_STARTED,
        )


def test_shropshire_stage_1_concludes_two_working_days_after_the_disagreement_arose():
    # Arose Thu 24 Dec 2026: Christmas Day, the weekend and the Boxing Day substitute
    # do not count, so Tue 29 Dec is day 1 and Wed 30 Dec day 2.
    assert start_and_conclude(SHROP, D(2026, 12, 24))[1] == (None, D(2026, 12, 30))


def test_shropshire_later_stages_have_no_date_until_they_begin():
    stages = deadlines(SHROP, D(2026, 12, 24))
    for stage in stages[1:]:
        assert stage.conclude_by is not None
        assert stage.conclude_by.due is None


def test_shropshire_stage_2_concludes_four_working_days_after_it_began_skipping_new_year():
    # Began Wed 30 Dec 2026: Thu 31 Dec (1), Mon 4 Jan (2), Tue 5 Jan (3), Wed 6 Jan (4).
    got = start_and_conclude(SHROP, D(2026, 12, 24), {2: D(2026, 12, 30)})
    assert got[2] == (None, D(2027, 1, 6))


def test_shropshire_stage_3_concludes_five_working_days_after_it_began_skipping_easter():
    # Began Thu 25 Mar 2027: Good Friday, the weekend and Easter Monday do not count;
    # Tue 30 Mar (1), Wed 31 (2), Thu 1 Apr (3), Fri 2 Apr (4), Mon 5 Apr (5).
    got = start_and_conclude(SHROP, D(2027, 3, 22), {3: D(2027, 3, 25)})
    assert got[3] == (None, D(2027, 4, 5))


def test_shropshire_stage_4_concludes_seven_working_days_after_it_began_skipping_august_holiday():
    # Began Wed 25 Aug 2027: Thu 26 (1), Fri 27 (2), [Mon 30 bank holiday], Tue 31 (3),
    # Wed 1 Sep (4), Thu 2 (5), Fri 3 (6), Mon 6 Sep (7).
    got = start_and_conclude(SHROP, D(2027, 8, 16), {4: D(2027, 8, 25)})
    assert got[4] == (None, D(2027, 9, 6))


def test_shropshire_stage_5_concludes_nine_working_days_after_it_began_across_the_year_end():
    # Began Mon 20 Dec 2027: Tue 21 (1), Wed 22 (2), Thu 23 (3), Fri 24 (4),
    # [Mon 27, Tue 28 Christmas substitutes], Wed 29 (5), Thu 30 (6), Fri 31 (7),
    # [Mon 3 Jan 2028 New Year substitute], Tue 4 Jan (8), Wed 5 Jan 2028 (9).
    got = start_and_conclude(SHROP, D(2027, 12, 1), {5: D(2027, 12, 20)})
    assert got[5] == (None, D(2028, 1, 5))


def test_shropshire_checklists_follow_the_flowchart_bullets():
    procedure = library.get(SHROP)
    texts = {s.number: [c.text for c in s.checklist] for s in procedure.stages}
    assert texts[1][0] == "Raise concerns with the professional directly (verbal or written)"
    assert texts[2][:3] == [
        "Ascertain the facts relating to the disagreement",
        "Discuss matter with equivalent manager",
        "Confirm agreement in writing to the other agency/team",
    ]
    assert texts[3][0] == "Send formal escalation email to your Senior Management"
    # The first bullet, and plainly who does it: nobody is emailed as "their Director".
    assert texts[5][0] == (
        "Inform their Director (or equivalent): the Assistant Director who owns this stage "
        "tells them, as Escalate does not email the Director"
    )
    assert texts[5][1:4] == [
        "Convene a meeting of relevant agencies",
        "Review all information and conclude",
        "Confirm decision in writing to all parties",
    ]
    for number, items in texts.items():
        assert "Record discussion, actions and correspondence" in items, number


def test_shropshire_business_unit_is_notified_at_stages_4_and_5_at_its_real_address():
    procedure = library.get(SHROP)
    for number in (4, 5):
        stage = procedure.stage(number)
        assert Recipient.BUSINESS_UNIT in stage.notify_on_start
        assert "Notify SSCPBusinessUnit@shropshire.gov.uk" in [c.text for c in stage.checklist]
    for number in (1, 2, 3):
        assert Recipient.BUSINESS_UNIT not in procedure.stage(number).notify_on_start
    assert DutyKind.NOTIFY_BUSINESS_UNIT in duty_kinds(SHROP, 5)


def test_shropshire_shows_no_mangled_email_address_to_users():
    procedure = library.get(SHROP)
    shown = [procedure.guidance, procedure.expedite.prompt]
    for stage in procedure.stages:
        shown += [stage.guidance, *(c.text for c in stage.checklist)]
        shown += [d.text for d in stage.on_resolved]
    assert not any("shrops hire" in t or "Notify g e" in t for t in shown)


def test_shropshire_stage_5_confirms_the_decision_in_writing_to_all_parties():
    assert DutyKind.NOTIFY_ALL_INVOLVED in duty_kinds(SHROP, 5)


def test_shropshire_expedites_when_someone_is_at_risk_of_harm():
    assert library.get(SHROP).expedite.allowed is True


def test_shropshire_kinds_of_disagreement_are_the_documents_examples():
    labels = [c.label for c in library.get(SHROP).categories]
    assert labels[:5] == [
        "Disagreement about the response to a referral made by one agency to another "
        "agency or service (e.g. decision making)",
        "Disagreement about the outcome of an assessment",
        "Concern about the implementation of a protection / safeguarding / management plan "
        "and disagreement about how this should be addressed (e.g. agreed actions not being "
        "followed through)",
        "Concern about the effectiveness of a protection / safeguarding / management plan "
        "(e.g. drift / delay)",
        "Disagreement over the sharing of information in a particular situation",
    ]


def test_shropshire_dates_are_february_2023_with_review_february_2025():
    procedure = library.get(SHROP)
    assert (procedure.effective, procedure.review) == (D(2023, 2, 1), D(2025, 2, 1))


# ---------------------------------------------------------------- Hammersmith & Fulham SAB

HF = "hammersmith-fulham-sab"

STAGE_1_DUTIES = [
    DutyKind.RECORD_IN_WRITING,
    DutyKind.NOTE_ON_CASE_RECORD,
    DutyKind.LOG_IN_AGENCY_SYSTEM,
    DutyKind.CHECK_BACK_AGREED_ACTIONS,
]


def test_hammersmith_fulham_protects_adults_in_four_stages():
    procedure = library.get(HF)
    assert procedure.protects is Protects.ADULTS
    assert len(procedure.stages) == 4


def test_hammersmith_fulham_stages_run_from_practitioners_to_a_board_resolution_meeting():
    assert roles(HF) == {
        1: {Role.PRACTITIONER},
        2: {Role.LINE_MANAGER},
        3: {Role.SENIOR_MANAGER},
        4: {Role.BOARD_REPRESENTATIVE, Role.STATUTORY_PARTNER},
    }
    assert library.get(HF).stage(4).owners == (Role.BOARD_REPRESENTATIVE,)


def test_hammersmith_fulham_stage_1_concludes_one_working_week_after_the_concern_over_christmas():
    # Arose Thu 24 Dec 2026: Tue 29 (1), Wed 30 (2), Thu 31 (3), [Fri 1 Jan],
    # Mon 4 Jan (4), Tue 5 Jan 2027 (5).
    assert start_and_conclude(HF, D(2026, 12, 24))[1] == (None, D(2027, 1, 5))


def test_hammersmith_fulham_stage_1_week_skips_the_spring_bank_holiday():
    # Arose Wed 26 May 2027: Thu 27 (1), Fri 28 (2), [Mon 31 bank holiday],
    # Tue 1 Jun (3), Wed 2 (4), Thu 3 Jun 2027 (5).
    assert start_and_conclude(HF, D(2027, 5, 26))[1] == (None, D(2027, 6, 3))


def test_hammersmith_fulham_stage_3_senior_managers_have_one_working_week_from_its_start():
    # Began Thu 25 Mar 2027; Easter does not count: Mon 5 Apr 2027.
    got = start_and_conclude(HF, D(2027, 3, 8), {3: D(2027, 3, 25)})
    assert got[3] == (None, D(2027, 4, 5))
    unstarted = deadlines(HF, D(2027, 3, 8))[2]
    assert unstarted.conclude_by.due is None


def test_hammersmith_fulham_stages_2_and_4_have_no_fixed_timescale():
    started = {2: D(2026, 12, 30), 4: D(2027, 1, 20)}
    stages = deadlines(HF, D(2026, 12, 24), started)
    for stage in (stages[1], stages[3]):
        assert (stage.start_by, stage.conclude_by, stage.other) == (None, None, ())


def test_hammersmith_fulham_stage_1_resolution_duties_are_the_four_listed():
    assert duty_kinds(HF, 1) == STAGE_1_DUTIES


def test_hammersmith_fulham_stages_2_and_3_add_telling_the_designated_safeguarding_leads():
    for number in (2, 3):
        assert duty_kinds(HF, number) == [*STAGE_1_DUTIES, DutyKind.NOTIFY_SAFEGUARDING_LEADS]
        leads = library.get(HF).stage(number).on_resolved[-1]
        assert leads.recipients == (Recipient.SAFEGUARDING_LEADS,)


def test_hammersmith_fulham_stage_4_adds_written_meeting_outcome_and_policy_review():
    assert duty_kinds(HF, 4) == [
        *STAGE_1_DUTIES,
        DutyKind.NOTIFY_SAFEGUARDING_LEADS,
        DutyKind.RECORD_IN_WRITING,
        DutyKind.REVIEW_POLICIES,
    ]


def test_hammersmith_fulham_high_risk_panel_is_offered_at_stage_3_only():
    procedure = library.get(HF)
    assert [s.number for s in procedure.stages if s.panel] == [3]
    panel = procedure.stage(3).panel
    assert panel.name == "High-Risk Panel"
    assert "high level of risk" in panel.when
    for name in ("H&F website", "Cuckooing Risk Panel", "MARAC"):
        assert name in panel.how_to_refer


def test_hammersmith_fulham_sends_complaints_funding_performance_and_trust_matters_elsewhere():
    excluded = library.get(HF).out_of_scope
    situations = " | ".join(o.situation for o in excluded)
    for topic in (
        "Eligibility for treatment, care and support",
        "funding",
        "individual practitioner's performance",
        "involvement or conduct of an organisation",
        "position of trust",
        "Section 42",
    ):
        assert topic in situations
    trust = next(o for o in excluded if "position of trust" in o.situation)
    assert "Persons in Positions of Trust Framework" in trust.go_instead
    complaints = [o for o in excluded if "formal complaints procedures" in o.go_instead]
    assert len(complaints) == 3


def test_hammersmith_fulham_best_interests_disagreements_refer_to_mca_code_chapter_15():
    procedure = library.get(HF)
    assert "Chapter 15 of the Code of Practice" in procedure.guidance
    assert not any("best interests" in o.situation.lower() for o in procedure.out_of_scope)


def test_hammersmith_fulham_policy_gaps_go_to_the_board_chair():
    assert "Chair of the Hammersmith & Fulham Safeguarding Adults Board" in (
        library.get(HF).guidance
    )


def test_hammersmith_fulham_tells_the_raising_worker_of_every_decision():
    assert library.get(HF).on_every_decision == (Recipient.RAISING_PRACTITIONER,)


def test_hammersmith_fulham_never_skips_a_stage_but_never_leaves_an_adult_at_immediate_risk():
    expedite = library.get(HF).expedite
    assert expedite.allowed is False
    assert "immediate harm" in expedite.prompt


def test_hammersmith_fulham_kinds_of_disagreement_are_the_five_listed():
    keys = [c.key for c in library.get(HF).categories]
    assert keys[:5] == [
        "safeguarding-concerns-enquiries",
        "engagement-of-partners",
        "roles-and-responsibilities",
        "progression-of-action-plans",
        "mental-capacity",
    ]


# ---------------------------------------------------------------- Warrington SAB

WAR = "warrington-sab"


def test_warrington_protects_adults_in_four_stages():
    procedure = library.get(WAR)
    assert procedure.protects is Protects.ADULTS
    assert len(procedure.stages) == 4


def test_warrington_stages_run_from_practitioner_to_the_independent_chair():
    assert roles(WAR) == {
        1: {Role.PRACTITIONER},
        2: {Role.LINE_MANAGER, Role.SAFEGUARDING_LEAD},
        3: {Role.SENIOR_MANAGER, Role.BOARD_REPRESENTATIVE},
        4: {Role.BOARD_REPRESENTATIVE, Role.INDEPENDENT_CHAIR},
    }
    assert library.get(WAR).stage(4).owners == (Role.INDEPENDENT_CHAIR,)


def test_warrington_defines_no_timescale_at_any_stage():
    for stage in library.get(WAR).stages:
        assert stage.start_by is None
        assert stage.conclude_by is None
        assert stage.other_deadlines == ()


@pytest.mark.parametrize("arose", [D(2026, 12, 24), D(2027, 3, 25), D(2027, 5, 28)])
def test_warrington_reports_no_deadline_rather_than_inventing_one(arose):
    started = {2: arose, 3: arose, 4: arose}
    for stage in deadlines(WAR, arose, started):
        assert (stage.start_by, stage.conclude_by, stage.other) == (None, None, ())


def test_warrington_may_start_at_the_most_relevant_stage_when_an_adult_is_at_immediate_risk():
    expedite = library.get(WAR).expedite
    assert expedite.allowed is True
    assert "immediate risk" in expedite.prompt


def test_warrington_stage_3_brings_the_issue_to_the_safeguarding_partnership_manager():
    assert library.get(WAR).stage(3).on_unresolved.notify == (Recipient.BUSINESS_UNIT,)


def test_warrington_stage_4_goes_to_the_independent_chair_and_is_reported_to_the_main_board():
    stage_4 = library.get(WAR).stage(4)
    assert stage_4.notify_on_start == (Recipient.INDEPENDENT_CHAIR,)
    assert DutyKind.REPORT_TO_BOARD in duty_kinds(WAR, 4)
    assert DutyKind.RECORD_IN_WRITING in duty_kinds(WAR, 4)


def test_warrington_stages_1_to_3_must_be_recorded_in_the_case_recording():
    for number in (1, 2, 3):
        stage = library.get(WAR).stage(number)
        assert "Record this step within your case recording" in [c.text for c in stage.checklist]


def test_warrington_shares_every_stage_with_the_person_raising_the_concerns():
    assert library.get(WAR).on_every_decision == (Recipient.RAISING_PRACTITIONER,)


def test_warrington_debriefs_and_policy_issues_are_guidance():
    guidance = library.get(WAR).guidance
    assert "debrief" in guidance
    assert "WSAB Independent Chair" in guidance


def test_warrington_kinds_of_disagreement_are_the_four_most_likely_areas():
    labels = [c.label for c in library.get(WAR).categories]
    assert labels[:4] == [
        "Intervention thresholds",
        "Roles and responsibilities",
        "Requirement for action",
        "Communication",
    ]


def test_warrington_is_version_2_2_due_for_review_in_august_2023():
    procedure = library.get(WAR)
    assert procedure.version == "V2.2"
    assert procedure.review == D(2023, 8, 1)
    assert procedure.effective <= procedure.review
