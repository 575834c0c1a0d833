"""Forms for the actions a person takes on a case in the browser.

They only parse what was typed: every rule about what is allowed or valid lives in
:mod:`escalate.cases.services`, whose per-field errors the views put back on these
forms. Each form carries the case ``version`` the person saw, passed to the service as
``expected_version``. They are GOV.UK forms (:mod:`escalate.govuk.forms`): ``{{ field }}``
draws the field's component, dates are the one GOV.UK date field, and the page's error
summary is the component's. Text limits are the case record's (``escalate.cases.models``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from escalate.cases.models import (
    EMAIL_MAX,
    LONG_TEXT_MAX,
    NAME_MAX,
    SHORT_TEXT_MAX,
    THEME_MAX,
    THEMES_MAX,
    ContactKind,
)
from escalate.govuk.forms import GovukDateField, GovukForm, GovukTextField
from escalate.govuk.text import is_number

#: The largest version or id a form accepts: anything bigger cannot be a row (and would
#: overflow the database's integers).
MAX_ID = 2**63 - 1


class CaseForm(GovukForm):
    """Every action form: the version of the case the person saw. Labels and legends are
    small (the page's heading is the action's); the form's own errors link to the form
    when it asks nothing."""

    govuk_defaults = {
        "label_classes": "govuk-label--s",
        "legend_classes": "govuk-fieldset__legend--s",
        "empty_hint": "There is nothing to choose from.",
    }
    govuk_error_anchor = "action-form"

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)

    def clean_version(self) -> int | None:
        """The version as the page wrote it: ASCII digits only (Django's IntegerField
        would read "٣" as 3, a version no page gave)."""
        raw = self.data.get(self.add_prefix("version"), "")
        if not is_number(str(raw).strip(), longest=19):
            raise forms.ValidationError("This page was out of date.")
        value: int | None = self.cleaned_data.get("version")
        return value

    def choice_field(self, name: str) -> forms.ChoiceField:
        """This form's own copy of the choice field ``name``, to give it its choices."""
        field = self.fields[name]
        if not isinstance(field, forms.ChoiceField):
            raise TypeError(f"{name} is not a choice field")
        return field

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        """Put a service's :class:`~escalate.cases.errors.Invalid` errors on the fields."""
        aliases = getattr(self, "error_aliases", {})
        for name, problems in errors.items():
            target = aliases.get(name, name)
            for problem in problems:
                self.add_error(target if target in self.fields else None, problem)


def _text(
    label: str,
    *,
    words: str,
    max_length: int = NAME_MAX,
    help_text: str = "",
    required: bool = False,
    **kw: Any,
) -> forms.Field:
    """A line of text: its limit that of the case record, said in plain words."""
    return GovukTextField(
        label=label,
        words=words,
        max_length=max_length,
        help_text=help_text,
        required=required,
        strip=False,
        **kw,
    )


def _long(
    label: str,
    *,
    words: str,
    max_length: int = LONG_TEXT_MAX,
    help_text: str = "",
    required: bool = False,
) -> forms.Field:
    return _text(
        label,
        words=words,
        max_length=max_length,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


# ---------------------------------------------------------------- recording


class RecordContactForm(CaseForm):
    kind = forms.ChoiceField(
        label="What are you recording?",
        choices=ContactKind.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    text = _long("What happened, or what you want to note", words="what happened")
    occurred_on = GovukDateField(
        label="When did it happen?",
        words="the date it happened",
        help_text="For example, 27 3 2026. Leave blank for today.",
        required=False,
    )
    with_whom = _text(
        "Who was it with? (optional)", words="who it was with", max_length=SHORT_TEXT_MAX
    )
    corrects = forms.ChoiceField(
        label="Does this correct an earlier entry? (optional)",
        required=False,
        help_text="Entries are never changed: a correction is added that points at the entry.",
    )

    def __init__(self, *args: Any, entries: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("corrects").choices = [("", "No, this is a new entry"), *entries]


class TickForm(CaseForm):
    item = forms.ChoiceField(
        label="Which required action has been done?", widget=forms.RadioSelect, required=False
    )

    def __init__(self, *args: Any, items: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("item").choices = list(items)


class AgreedActionForm(CaseForm):
    what = _long("What was agreed?", words="what was agreed", max_length=SHORT_TEXT_MAX)
    agency = forms.ChoiceField(label="Which agency will do it?", required=False)
    owner_name = _text(
        "Who will do it?", words="who will do it", help_text="Their name, or their team."
    )
    due_on = GovukDateField(
        label="When is it due?",
        words="the date it is due",
        help_text="For example, 27 3 2026.",
    )

    def __init__(self, *args: Any, agencies: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("agency").choices = [("", "Choose an agency"), *agencies]
        self.fields["due_on"].required = False


class CompleteActionForm(CaseForm):
    done_on = GovukDateField(
        label="When was it done?",
        words="the date it was done",
        help_text="For example, 27 3 2026. Leave blank for today.",
        required=False,
    )
    note = _long(
        "Note (optional)",
        words="the note",
        max_length=SHORT_TEXT_MAX,
        help_text="How you checked it was done, for example.",
    )


# ---------------------------------------------------------------- stage moves


class ResolveForm(CaseForm):
    outcome = _long(
        "What was the outcome?",
        words="the outcome",
        help_text="What was agreed or recommended, and who was told.",
    )
    action_what = _long(
        "Action agreed (optional)",
        words="the action agreed",
        max_length=SHORT_TEXT_MAX,
        help_text="Something one of the agencies will do, to be checked back on.",
    )
    action_agency = forms.ChoiceField(label="Agency doing it", required=False)
    action_owner_name = _text("Who will do it", words="who will do it")
    action_due_on = GovukDateField(
        label="When it is due",
        words="the date it is due",
        help_text="For example, 27 3 2026.",
        required=False,
    )
    error_aliases = {
        "agreed_actions[0].what": "action_what",
        "agreed_actions[0].agency": "action_agency",
        "agreed_actions[0].owner_name": "action_owner_name",
        "agreed_actions[0].owner": "action_owner_name",
        "agreed_actions[0].due_on": "action_due_on",
    }

    def __init__(self, *args: Any, agencies: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("action_agency").choices = [("", "Choose an agency"), *agencies]

    @property
    def has_action(self) -> bool:
        data = self.cleaned_data
        return bool(
            (data.get("action_what") or "").strip()
            or data.get("action_agency")
            or (data.get("action_owner_name") or "").strip()
            or data.get("action_due_on")
        )


class MoveForm(CaseForm):
    """Escalate or expedite: the new owner, optionally the counterpart opposite them."""

    owner = forms.ChoiceField(label="Who will own the next stage?", widget=forms.RadioSelect)
    counterpart_name = _text(
        "Their counterpart in the other agency (optional)",
        words="the counterpart's name",
        help_text="Leave blank and Escalate names the other agency's person in the same "
        "role, if there is just one, or tells its safeguarding address.",
    )
    counterpart_email = _text(
        "Counterpart's email address (optional)",
        words="the counterpart's email address",
        max_length=EMAIL_MAX,
    )

    def __init__(self, *args: Any, owners: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("owner").choices = list(owners)
        self.fields["owner"].required = False
        email = self.fields["counterpart_email"].widget
        email.input_type = "email"
        email.attrs.update({"autocomplete": "email", "spellcheck": "false"})


class EscalateForm(MoveForm):
    summary = _long(
        "What was tried, and why did it not resolve the disagreement?",
        words="what was tried",
        max_length=SHORT_TEXT_MAX,
    )
    field_order = ["owner", "summary", "counterpart_name", "counterpart_email"]


class ExpediteForm(MoveForm):
    to_stage = forms.ChoiceField(
        label="Which stage should the case go to?", widget=forms.RadioSelect, required=False
    )
    reason = _long(
        "Why is someone at immediate risk?", words="the reason", max_length=SHORT_TEXT_MAX
    )
    field_order = ["to_stage", "reason", "owner", "counterpart_name", "counterpart_email"]

    def __init__(self, *args: Any, stages: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("to_stage").choices = list(stages)
        self.fields["owner"].label = "Who will own that stage?"

    def clean_to_stage(self) -> int | None:
        value = self.cleaned_data.get("to_stage")
        if not value:
            raise forms.ValidationError("Choose the stage to expedite the case to.")
        return int(value)


class PanelForm(CaseForm):
    details = _long(
        "Why is the case being referred?",
        words="why the case is being referred",
        max_length=SHORT_TEXT_MAX,
    )


class WithdrawForm(CaseForm):
    reason = _long(
        "Why is the challenge being withdrawn?",
        words="why the challenge is being withdrawn",
        max_length=SHORT_TEXT_MAX,
    )


class GiveNoticeForm(CaseForm):
    details = _long(
        "What did you tell them, and how?",
        words="what you told them, and how",
        max_length=SHORT_TEXT_MAX,
        help_text="For example, who you emailed or spoke to, when, and what you said you "
        "intend to do. Do not include the person's name or details.",
    )


class RecordConsultationForm(CaseForm):
    consulted = _text(
        "Who did you consult?",
        words="the name of the person you consulted",
        help_text="Their full name.",
    )
    advice = _long(
        "What did they advise? (optional)",
        words="what they advised",
        max_length=SHORT_TEXT_MAX,
    )

    def __init__(self, *args: Any, who: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if who:
            self.fields["consulted"].help_text = (
                f"The procedure asks you to consult {who} before skipping stages. "
                "Give their full name."
            )


# ---------------------------------------------------------------- policy, afterwards


class PolicyIssueForm(CaseForm):
    text = _long(
        "What is the policy issue?",
        words="the policy issue",
        help_text="A gap or problem in policy or procedure this case showed up. Do not "
        "include the person's name or details.",
    )


class PolicyResponseForm(CaseForm):
    response = _long("Your response", words="your response")


class DebriefForm(CaseForm):
    offered_on = GovukDateField(
        label="When was a debrief offered?",
        words="the date it was offered",
        help_text="For example, 27 3 2026.",
        required=False,
    )
    held_on = GovukDateField(
        label="When was it held? (optional)",
        words="the date it was held",
        help_text="For example, 27 3 2026.",
        required=False,
    )


class LearningForm(CaseForm):
    why_not_earlier = _long(
        "Why was it not resolved at an earlier stage?",
        words="why it was not resolved at an earlier stage",
    )
    themes = _long(
        "Themes",
        words="the themes",
        max_length=THEMES_MAX * (THEME_MAX + 2),
        help_text="One theme a line, for example: Communication.",
    )
    good_practice = _long("Good practice noticed (optional)", words="the good practice noticed")

    error_aliases = {f"themes[{i}]": "themes" for i in range(20)}

    def theme_list(self) -> list[str]:
        return [t for t in (self.cleaned_data.get("themes") or "").splitlines() if t.strip()]


# ---------------------------------------------------------------- the other professional


class AcknowledgeForm(CaseForm):
    pass


class RespondForm(CaseForm):
    response = forms.ChoiceField(
        label="Do you agree with the challenge?",
        widget=forms.RadioSelect,
        choices=[("agree", "Yes, I agree"), ("disagree", "No, I disagree")],
        required=False,
    )
    reason = _long(
        "Your reason",
        words="your reason",
        help_text="If you disagree, say why.",
    )
    error_aliases = {"agrees": "response"}

    def clean_response(self) -> str:
        value = self.cleaned_data.get("response") or ""
        if not value:
            raise forms.ValidationError("Choose whether you agree or disagree with the challenge.")
        return value


class CorrectResponseForm(RespondForm):
    """Correcting a response already sent: what it is now, and why it changed."""

    response = forms.ChoiceField(
        label="Do you now agree with the challenge?",
        widget=forms.RadioSelect,
        choices=[("agree", "Yes, I agree"), ("disagree", "No, I disagree")],
        required=False,
    )
    why_changed = _long(
        "Why your response has changed",
        words="why your response has changed",
        help_text="For example, you had new information, or your first response was a mistake.",
    )
