"""The questions of the raise journey, one page each, with plain-English messages.

These forms check what was typed, with GOV.UK messages, against the same limits as
:func:`escalate.cases.services.raise_case` (:mod:`escalate.cases.services.raise_checks`):
a concern that arose more than :data:`~escalate.cases.services.raise_checks.OLDEST_CONCERN_DAYS`
days ago, a date of birth more than
:data:`~escalate.cases.services.raise_checks.OLDEST_PERSON_YEARS` years ago. The rules of
raising a challenge stay the service's: each page also asks it about its own answers
(:func:`escalate.cases.views.raise_answers.checked_form`), and its errors are shown back on
these pages.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from escalate.cases.facts import prefills_needed
from escalate.cases.models import (
    ADDRESS_MAX,
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    RECORD_ID_MAX,
    SHORT_TEXT_MAX,
)
from escalate.cases.services.raise_checks import (
    OLDEST_CONCERN_DAYS,
    OLDEST_PERSON_YEARS,
    SUBJECTS,
)
from escalate.govuk.dates import years_before
from escalate.govuk.forms import GovukDateField, GovukForm, GovukTextField
from escalate.procedures.model import Procedure
from escalate.procedures.skips import role_words

YES_NO = [("yes", "Yes"), ("no", "No")]


def oldest_concern(today: dt.date) -> dt.date:
    """The first day a concern may have arisen on: the final check's limit."""
    return today - dt.timedelta(days=OLDEST_CONCERN_DAYS)


def oldest_birth(today: dt.date) -> dt.date:
    """The first date of birth the final check takes."""
    return years_before(today, OLDEST_PERSON_YEARS)


def _radios(label: str, choices: list[tuple[str, str]], required: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        widget=forms.RadioSelect,
        error_messages={"required": required, "invalid_choice": required},
    )


def _text(
    label: str, required: str | None, *, max_length: int, words: str, **kwargs: Any
) -> forms.CharField:
    """A text answer, its limit the same as the case record's (said in the message)."""
    messages = {"required": required} if required else {}
    return GovukTextField(
        label=label,
        required=bool(required),
        max_length=max_length,
        words=words,
        error_messages=messages,
        **kwargs,
    )


def _long(
    label: str, required: str | None, *, words: str, max_length: int = LONG_TEXT_MAX, **kwargs: Any
) -> forms.CharField:
    return _text(
        label,
        required,
        max_length=max_length,
        words=words,
        widget=forms.Textarea(attrs={"rows": 5}),
        **kwargs,
    )


def _email(label: str, **kwargs: Any) -> forms.EmailField:
    return forms.EmailField(label=label, max_length=EMAIL_MAX, **kwargs)


class WhereForm(GovukForm):
    """Which agency (and so partnership) the challenge is raised on behalf of."""

    govuk_options = {"where": {"page_heading": True}}

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"] = _radios(
            "Which agency are you raising this for?",
            choices,
            "Choose the agency and partnership you are raising this for",
        )


class ImmediateRiskForm(GovukForm):
    govuk_options = {"immediate_risk": {"page_heading": True}}

    immediate_risk = _radios(
        "Is anyone at immediate risk of harm?",
        YES_NO,
        "Say whether anyone is at immediate risk of harm",
    )

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReferralForm(GovukForm):
    """Someone is at immediate risk: has the referral or front-door contact been made?"""

    govuk_options = {"referral_made": {"legend_classes": "govuk-fieldset__legend--m"}}

    referral_made = _radios(
        "Have you made a safeguarding referral or contacted the front door?",
        YES_NO,
        "Say whether you have made a safeguarding referral or contacted the front door",
    )
    referral_made_on = GovukDateField(
        label="When did you make it?",
        help_text="For example, 27 3 2026. Leave this blank if you have not made one.",
        words="the date you made the referral or contact",
        past_only=True,
        required=False,
    )

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if (
            data.get("referral_made") == "yes"
            and not data.get("referral_made_on")
            and "referral_made_on" not in self.errors
        ):
            self.add_error("referral_made_on", "Enter the date you made the referral or contact")
        if data.get("referral_made") == "no" and data.get("referral_made_on"):
            self.add_error(
                "referral_made_on",
                "Leave the date blank if you have not made a referral or contact",
            )
        return data


class StartStageForm(GovukForm):
    """Where the procedure allows it: start at a later stage, with a reason."""

    govuk_options = {"start_stage": {"page_heading": True}}

    def __init__(
        self,
        *args: Any,
        procedure: Procedure,
        owners: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [
            (
                str(s.number),
                f"Stage {s.number}: {s.title}" + (" (the usual start)" if s.number == 1 else ""),
            )
            for s in procedure.stages
        ]
        self.fields["start_stage"] = _radios(
            "Which stage should this start at?", choices, "Choose the stage to start at"
        )
        self.fields["expedite_reason"] = _long(
            "Why start at a later stage?",
            None,
            words="the reason",
            max_length=SHORT_TEXT_MAX,
            help_text="Only if you chose a later stage. Say why the risk cannot wait.",
        )
        self.fields["owner"] = forms.ChoiceField(
            label="Who will own that stage?",
            required=False,
            help_text="Only if you chose a later stage. They must hold that stage's role.",
            choices=[("", "Choose a person")] + owners,
            error_messages={"invalid_choice": "Choose a person from the list"},
        )
        needed = procedure.expedite.skip_needs_consultation
        if needed is not None:
            self.fields["consulted"] = _text(
                "Who did you consult?",
                None,
                max_length=NAME_MAX,
                words="the name of the person you consulted",
                help_text=f"Only if you chose a later stage. {procedure.name} asks you to "
                f"consult {role_words(procedure, needed)} before starting at a later "
                "stage. Give their name.",
            )
        self.fields["counterpart_name"] = _text(
            "Their counterpart in the other agency (optional)",
            None,
            max_length=NAME_MAX,
            words="the counterpart's name",
            help_text="The name of the person in the other agency they should deal with.",
        )
        self.fields["counterpart_email"] = _email(
            "Counterpart's email address (optional)",
            required=False,
            error_messages={
                "invalid": "Enter the counterpart's email address in the correct format, "
                "like name@example.org",
                "max_length": f"The counterpart's email address must be {EMAIL_MAX} "
                "characters or fewer",
            },
        )
        self.fields["counterpart_email"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false"}
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("start_stage") and data["start_stage"] != "1":
            if not (data.get("expedite_reason") or "").strip():
                self.add_error("expedite_reason", "Say why this should start at a later stage")
            if not data.get("owner") and "owner" not in self.errors:
                self.add_error("owner", "Choose who will own the stage it starts at")
            if (
                "consulted" in self.fields
                and not (data.get("consulted") or "").strip()
                and "consulted" not in self.errors
            ):
                self.add_error("consulted", "Enter the name of the person you consulted")
            name, email = data.get("counterpart_name"), data.get("counterpart_email")
            if email and not name and "counterpart_name" not in self.errors:
                self.add_error(
                    "counterpart_name",
                    "Enter the counterpart's name as well as their email address",
                )
            if name and not email and "counterpart_email" not in self.errors:
                self.add_error("counterpart_email", "Enter the counterpart's email address")
        return data


class ScopeForm(GovukForm):
    govuk_options = {"situation": {"page_heading": True}}

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(i), o.situation) for i, o in enumerate(procedure.out_of_scope)]
        choices.append(("none", "None of these"))
        self.fields["situation"] = _radios(
            "Is your concern about any of these?",
            choices,
            "Say whether your concern is about any of these, or none of them",
        )
        self.fields[
            "situation"
        ].help_text = f"{procedure.name} does not cover these. Choose one if it applies."


class OtherAgencyForm(GovukForm):
    govuk_options = {
        "other_professional_name": {"classes": "govuk-!-width-two-thirds"},
    }

    def __init__(
        self, *args: Any, agencies: list[tuple[str, str]], own_email: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.own_email = own_email.lower()
        self.fields["other_agency"] = forms.ChoiceField(
            label="Which agency do you disagree with?",
            choices=[("", "Choose an agency")] + agencies,
            error_messages={
                "required": "Choose the other agency",
                "invalid_choice": "Choose the other agency from the list",
            },
        )
        self.fields["other_professional_name"] = _text(
            "Name of the professional you disagree with",
            "Enter the other professional's name",
            max_length=NAME_MAX,
            words="the other professional's name",
        )
        self.fields["other_professional_name"].widget.attrs["spellcheck"] = "false"
        self.fields["other_professional_email"] = _email(
            "Their email address",
            help_text="Escalate tells them about the challenge by email.",
            error_messages={
                "required": "Enter the other professional's email address",
                "invalid": "Enter the other professional's email address in the correct "
                "format, like name@example.org",
                "max_length": f"The other professional's email address must be {EMAIL_MAX} "
                "characters or fewer",
            },
        )
        self.fields["other_professional_email"].widget.attrs.update(
            {"autocomplete": "email", "spellcheck": "false"}
        )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        email = data.get("other_professional_email")
        if self.own_email and isinstance(email, str) and email.lower() == self.own_email:
            self.add_error(
                "other_professional_email",
                "Enter the other professional's email address, not yours",
            )
        return data


class PersonForm(GovukForm):
    govuk_options = {
        "person_record_id": {"classes": "govuk-input--width-20"},
    }

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        subjects = SUBJECTS[procedure.protects]
        self.fields["subject_type"] = _radios(
            "Who is at risk?",
            [(s.value, s.label) for s in subjects],
            "Say whether this is about an adult, a child or a family",
        )
        self.fields["person_name"] = _text(
            "Their full name",
            "Enter the name of the person at risk",
            max_length=NAME_MAX,
            words="their name",
        )
        self.fields["person_name"].widget.attrs["spellcheck"] = "false"
        needed = prefills_needed(procedure)
        if "person.date_of_birth" in needed:
            self.fields["person_date_of_birth"] = GovukDateField(
                label="Their date of birth (optional)",
                help_text="For example, 27 3 1950. The referral form asks for it.",
                words="their date of birth",
                past_only=True,
                earliest=oldest_birth,
                required=False,
            )
        if "person.address" in needed:
            self.fields["person_address"] = _long(
                "Their address (optional)",
                None,
                words="their address",
                max_length=ADDRESS_MAX,
                help_text="The referral form asks for it.",
            )
        self.fields["person_record_id"] = _text(
            "Your agency's record number for them (optional)",
            None,
            max_length=RECORD_ID_MAX,
            words="the record number",
            help_text="For example, their NHS number or case record ID.",
        )
        self.fields["person_views"] = _long(
            "What are their views and wishes? (optional)",
            None,
            words="their views and wishes",
            help_text="What matters to them, in their own words if you can.",
        )
        self.fields["person_knows"] = _radios(
            "Do they know about this disagreement?",
            YES_NO,
            "Say whether they know about this disagreement",
        )
        if procedure.routes:
            self.fields["kinds"] = forms.MultipleChoiceField(
                label="Do any of these apply? (optional)",
                help_text=f"{procedure.name} sends these cases somewhere else as well as, "
                "or instead of, up its stages. Select all that apply.",
                choices=[(r.when, r.label) for r in procedure.routes],
                widget=forms.CheckboxSelectMultiple,
                required=False,
                error_messages={"invalid_choice": "Choose from the list"},
            )


class DisagreementForm(GovukForm):
    govuk_options = {"disagreement": {"rows": 8}}

    def __init__(self, *args: Any, procedure: Procedure, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if procedure.categories:
            self.fields["categories"] = forms.MultipleChoiceField(
                label="What is the disagreement about?",
                help_text="Select all that apply.",
                choices=[(c.key, c.label) for c in procedure.categories],
                widget=forms.CheckboxSelectMultiple,
                error_messages={
                    "required": "Choose at least one thing the disagreement is about",
                    "invalid_choice": "Choose from the list",
                },
            )
        self.fields["disagreement"] = _long(
            "Describe the disagreement",
            "Describe the disagreement",
            words="the description of the disagreement",
            help_text="What was decided, what you think should happen instead, and why.",
        )
        self.fields["outcome_sought"] = _long(
            "What outcome are you seeking?",
            "Enter the outcome you are seeking",
            words="the outcome you are seeking",
        )
        self.fields["concern_arose_on"] = GovukDateField(
            label="When did the concern arise?",
            help_text="For example, 27 3 2026. Deadlines are counted from this day.",
            words="the date the concern arose",
            past_only=True,
            earliest=oldest_concern,
        )


def storable(data: dict[str, Any]) -> dict[str, Any]:
    """Cleaned data as it can be kept in the session (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
