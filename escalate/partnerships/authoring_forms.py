"""The forms of the pages for writing a partnership's procedure: where a draft starts
from, its text, the dates its preview works deadlines out for, and the date it comes
into force. Each answers bad input in plain words and keeps what was typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from escalate.govuk.dates import today
from escalate.govuk.forms import GovukDateField, GovukForm, GovukTextField
from escalate.partnerships import definition_text
from escalate.procedures.calendar import LAST_YEAR as LAST_KNOWN_YEAR

IN_FORCE = "in_force"
TEMPLATE = "template"
UPLOAD = "upload"


class StartDraftForm(GovukForm):
    """Start a draft from the version in force, a shipped procedure, or a file."""

    start = forms.ChoiceField(
        label="What do you want to start from?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select what you want to start from"},
    )
    template = forms.ChoiceField(
        label="Procedure from the library",
        required=False,
        help_text="Only if you start from a procedure in Escalate's library.",
        error_messages={"invalid_choice": "Select a procedure from the library"},
    )

    govuk_options = {"start": {"legend_classes": "govuk-fieldset__legend--m"}}

    def __init__(
        self,
        *args: Any,
        in_force_label: str,
        templates: list[tuple[str, str]],
        upload: UploadedFile[bytes] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.upload = upload
        self.uploaded_text = ""
        choices = [
            (TEMPLATE, "A procedure from Escalate's library"),
            (UPLOAD, "A definition file from your computer (.toml)"),
        ]
        if in_force_label:
            choices.insert(0, (IN_FORCE, in_force_label))
        start: Any = self.fields["start"]
        start.choices = choices
        template: Any = self.fields["template"]
        template.choices = [("", "Choose a procedure"), *templates]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start = data.get("start")
        if start == TEMPLATE and not data.get("template"):
            self.add_error("template", "Select a procedure from the library")
        if start == UPLOAD:
            problem = self._read_upload()
            if problem:
                self.add_error(None, problem)
        return data

    def _read_upload(self) -> str:
        upload = self.upload
        if upload is None:
            return "Select a definition file"
        if (upload.size or 0) > definition_text.MAX_UPLOAD_BYTES:
            return f"The file must be smaller than {definition_text.MAX_UPLOAD_BYTES // 1024} KB"
        raw = upload.read(definition_text.MAX_UPLOAD_BYTES + 1)
        text, problem = definition_text.decode_upload(raw)
        self.uploaded_text = text
        return problem


class DraftTextForm(GovukForm):
    """The definition itself, in the procedure format (TOML)."""

    text = GovukTextField(
        label="Procedure definition",
        words="the definition",
        max_length=definition_text.MAX_CHARACTERS,
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false"}),
        help_text="Written in Escalate's procedure format (TOML). You can save a draft "
        "with problems and come back to it: it cannot be published until they are fixed.",
        error_messages={"required": "Enter the definition"},
    )
    revision = forms.CharField(required=False, widget=forms.HiddenInput)

    govuk_options = {"text": {"label_classes": "govuk-label--m"}}


class PreviewDatesForm(GovukForm):
    """Example dates to work a draft's deadlines out for (read from the address): when
    the concern arose, and when one stage started."""

    arose = GovukDateField(
        label="When the concern arose",
        words="the date the concern arose",
        required=False,
        help_text="For example, 27 3 2027",
    )
    stage = forms.ChoiceField(
        label="Stage",
        required=False,
        error_messages={"invalid_choice": "Select a stage of the procedure"},
    )
    started = GovukDateField(
        label="When that stage started",
        words="the date the stage started",
        required=False,
        help_text="Leave blank to work it out from the concern alone.",
    )

    govuk_defaults = {
        "legend_classes": "govuk-fieldset__legend--s",
        "label_classes": "govuk-label--s",
    }

    def __init__(self, *args: Any, stages: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage: Any = self.fields["stage"]
        stage.choices = [(str(n), f"Stage {n}: {title}") for n, title in stages]

    def stage_started(self) -> dict[int, Any]:
        """The stage and its start, as the preview takes them (none when not given)."""
        started = self.cleaned_data.get("started")
        number = self.cleaned_data.get("stage") or "1"
        return {int(number): started} if started else {}


class PublishForm(GovukForm):
    """When the version comes into force (today or later)."""

    effective_from = GovukDateField(
        label="When does this version come into force?",
        words="the date it comes into force",
        help_text="Today or a later date, for example 1 4 2027. Cases raised from that day "
        "follow this version.",
    )
    content_hash = forms.CharField(required=False, widget=forms.HiddenInput)

    govuk_options = {"effective_from": {"legend_classes": "govuk-fieldset__legend--m"}}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day = data.get("effective_from")
        if day is not None and day < today():
            self.add_error(
                "effective_from", "The date it comes into force must be today or in the future"
            )
        elif day is not None and day.year > LAST_KNOWN_YEAR:
            self.add_error(
                "effective_from",
                f"The date it comes into force must be in {LAST_KNOWN_YEAR} or earlier, the "
                "last year whose bank holidays Escalate knows",
            )
        return data
