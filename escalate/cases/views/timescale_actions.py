"""The page on which a stage's owner sets a timescale the procedure lets them set:
"within a timescale the Chair sets", or a shorter one that protects the person
("10 working days, or a timescale that protects the person, whichever is shorter").
The rules are :mod:`escalate.cases.services.timescales`'.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpResponse
from django.shortcuts import render

from escalate.cases import once
from escalate.cases.case_forms import CaseForm
from escalate.cases.models import LONG_TEXT_MAX
from escalate.cases.services import timescales
from escalate.cases.views.actions import ActionView
from escalate.govuk.forms import GovukDateField, GovukTextField
from escalate.procedures.calendar import format_day


class SetTimescaleForm(CaseForm):
    key = forms.ChoiceField(
        label="Which deadline are you setting?", widget=forms.RadioSelect, required=False
    )
    due = GovukDateField(
        label="By when must it be done?",
        words="the date",
        help_text="For example, 27 3 2026. Choose a working day.",
        required=False,
    )
    why = GovukTextField(
        label="Why this timescale?",
        words="why you set this timescale",
        max_length=LONG_TEXT_MAX,
        help_text="How it protects the person: it is added to the case's chronology.",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(
        self, *args: Any, choices: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.choice_field("key").choices = choices or []


def _described(s: timescales.Settable) -> str:
    words = f"{s.label}: {s.words}"
    if s.shorter_only and s.latest is not None:
        words += f" (no later than {format_day(s.latest)})"
    if s.current is not None:
        words += f"; set now for {format_day(s.current)}"
    return words


class SetTimescaleView(ActionView):
    action = timescales.ACTION
    form_class = SetTimescaleForm
    title = "Set a timescale"
    intro = "The procedure lets the owner of this stage set these timescales for the case."
    submit = "Set the timescale"
    done_message = "Timescale set. Its deadline is shown on the case and will be chased."

    def settable(self) -> list[timescales.Settable]:
        return timescales.settable(self.case)

    def form_kwargs(self) -> dict[str, Any]:
        return {"choices": [(s.key, _described(s)) for s in self.settable()]}

    def perform(self, form: Any) -> None:
        data = form.cleaned_data
        timescales.set_timescale(
            self.request.user,
            self.case,
            key=data.get("key") or "",
            due=data.get("due"),
            why=data.get("why") or "",
            expected_version=self.expected(form),
            once=self.once,
        )

    def show(self, form: Any, *, status: int = 200, **extra: Any) -> HttpResponse:
        if not self.once:
            self.once = once.issue()
        return render(
            self.request,
            "cases/case/set_timescale.html",
            {
                "case": self.case,
                "way_back": self.way_back(),
                "form": form,
                "title": self.title,
                "intro": self.intro,
                "submit": self.submit,
                "once": self.once,
                "once_field": once.FIELD,
                "settable": self.settable(),
                **extra,
            },
            status=status,
        )
