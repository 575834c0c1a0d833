"""The pages for writing a partnership's procedure (its administrators and business
unit: :func:`escalate.partnerships.permissions.may_author_procedure`): the versions and
their history, starting a draft, editing its text (problems and all), previewing it,
publishing it from a date; and the procedure page of any one version.

Thin: each page parses its form, asks :mod:`.authoring` (reads), :mod:`.drafts` or
:mod:`.versions` (changes), and renders. Someone who may not write the procedure gets
403; a version that is not the partnership's, or a draft shown to someone who may not
write it, 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from escalate import clock
from escalate.errors import Conflict, Invalid, NotAllowed, NotFound
from escalate.govuk.dates import date_parts
from escalate.partnerships import (
    authoring,
    authoring_forms,
    definition_text,
    drafts,
    permissions,
    version_records,
    views,
)
from escalate.partnerships.models import Partnership, ProcedureVersion

GET_AND_POST = require_http_methods(["GET", "HEAD", "POST"])


def _authors_partnership(request: HttpRequest, slug: str) -> Partnership:
    partnership = get_object_or_404(Partnership, slug=slug)
    if not permissions.may_author_procedure(request.user, partnership):
        raise PermissionDenied
    return partnership


def _version(partnership: Partnership, version_id: UUID) -> ProcedureVersion:
    found = authoring.version_of(partnership, version_id)
    if found is None:
        raise Http404("There is no such version of this procedure.")
    return found


def _draft_or_page(request: HttpRequest, version: ProcedureVersion) -> HttpResponse | None:
    """None for a draft; for a published version, its page (it no longer changes)."""
    if version.is_draft:
        return None
    messages.error(
        request,
        f"Version {version.sequence} is published, so it can no longer change. "
        "Start a new draft from it instead.",
    )
    return redirect(_url("procedure_version", version))


def _url(name: str, version: ProcedureVersion) -> str:
    return reverse(f"partnerships:{name}", args=[version.partnership.slug, version.pk])


def _described(problems: list[definition_text.Problem]) -> list[str]:
    return [definition_text.described(p) for p in problems]


# ---------------------------------------------------------------- the versions


@require_safe
@login_required
def versions_page(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _authors_partnership(request, slug)
    today = clock.today()
    standing = authoring.standing(partnership, today)
    return render(
        request,
        "partnerships/versions/list.html",
        {
            "partnership": partnership,
            "versions": authoring.history(partnership, today, standing.current),
            "current": standing.current,
            "scheduled": standing.scheduled,
        },
    )


@require_safe
@login_required
def version_page(request: HttpRequest, slug: str, version_id: UUID) -> HttpResponse:
    """One version's procedure page: a published or superseded one for whoever sees
    the procedure; a draft only for those who write it (404 for anyone else)."""
    partnership = get_object_or_404(Partnership, slug=slug)
    version = authoring.version_of(partnership, version_id)
    person: Any = request.user
    if version is None or (version.is_draft and not permissions.sees_version(person, version)):
        raise Http404("There is no such version of this procedure.")
    if not permissions.sees_version(person, version):
        raise PermissionDenied
    procedure = authoring.procedure_of(version)
    today = clock.today()
    standing = authoring.standing(partnership, today)
    authors = permissions.may_author_procedure(person, partnership)
    context: dict[str, Any] = {
        "partnership": partnership,
        "shown": version,
        "listed": authoring.listed(version, today, standing.current),
        "current": standing.current,
        "scheduled": standing.scheduled,
        "authors": authors,
        "changes": authoring.changes_of(version) if authors else [],
        "problems": _described(version.problems),
    }
    if procedure is not None:
        context.update(views.procedure_context(procedure))
    return render(request, "partnerships/versions/version.html", context)


# ---------------------------------------------------------------- starting and editing


@GET_AND_POST
@login_required
def start_draft(request: HttpRequest, slug: str) -> HttpResponse:
    partnership = _authors_partnership(request, slug)
    current = authoring.standing(partnership, clock.today()).current
    current_text = authoring.text_of(current)
    in_force_label = (
        f"The version in force today (version {current.sequence}, {current.version_label})"
        if current_text
        else ""
    )
    options: dict[str, Any] = {
        "in_force_label": in_force_label,
        "templates": authoring.templates(),
    }
    if request.method != "POST":
        form = authoring_forms.StartDraftForm(**options)
        return _show_start(request, partnership, form)
    form = authoring_forms.StartDraftForm(request.POST, upload=request.FILES.get("file"), **options)
    if not form.is_valid():
        return _show_start(request, partnership, form, status=400)
    start = form.cleaned_data["start"]
    if start == authoring_forms.IN_FORCE:
        text, started_from = current_text, f"version {current.sequence}"
    elif start == authoring_forms.TEMPLATE:
        key = form.cleaned_data["template"]
        text, started_from = authoring.template_text(key), f"the library's {key}"
    else:
        name = getattr(form.upload, "name", "") or "a file"
        text = form.uploaded_text
        started_from = f"the uploaded file {definition_text.printable_name(name)}"
    try:
        draft = drafts.save_draft_text(request.user, partnership, text, started_from=started_from)
    except Invalid as invalid:
        for problem in invalid.errors.values():
            form.add_error(None, " ".join(problem))
        return _show_start(request, partnership, form, status=400)
    messages.success(request, _saved_words(draft, started=True))
    return redirect(_url("edit_draft", draft))


def _show_start(
    request: HttpRequest, partnership: Partnership, form: Any, *, status: int = 200
) -> HttpResponse:
    upload_error = " ".join(str(e) for e in form.non_field_errors())
    return render(
        request,
        "partnerships/versions/start.html",
        {
            "partnership": partnership,
            "form": form,
            "upload_error": upload_error,
            "max_kb": definition_text.MAX_UPLOAD_BYTES // 1024,
        },
        status=status,
    )


def _saved_words(version: ProcedureVersion, *, started: bool = False) -> str:
    what = f"Draft version {version.sequence} {'started' if started else 'saved'}."
    count = len(version.problems)
    if count:
        return f"{what} It has {version_records.problem_words(count)}: fix them to publish it."
    return f"{what} It has no problems: preview it, then publish it."


@GET_AND_POST
@login_required
def edit_draft(request: HttpRequest, slug: str, version_id: UUID) -> HttpResponse:
    partnership = _authors_partnership(request, slug)
    version = _version(partnership, version_id)
    published = _draft_or_page(request, version)
    if published is not None:
        return published
    if request.method != "POST":
        form = authoring_forms.DraftTextForm(
            initial={"text": authoring.text_of(version), "revision": drafts.revision_of(version)}
        )
        return _show_edit(request, version, form, problems=version.problems)
    form = authoring_forms.DraftTextForm(request.POST)
    if not form.is_valid():
        return _show_edit(request, version, form, problems=[], status=400)
    try:
        saved = drafts.save_draft_text(
            request.user,
            partnership,
            form.cleaned_data["text"],
            version=version,
            # (A page sent without one, an old page, still saves.)
            revision=form.cleaned_data.get("revision", "") if "revision" in request.POST else None,
        )
    except drafts.StaleDraft as stale:
        data = request.POST.copy()
        data["revision"] = stale.revision
        form = authoring_forms.DraftTextForm(data)
        form.is_valid()
        form.add_error(None, stale.message)
        return _show_edit(request, version, form, problems=[], status=409)
    except Invalid as invalid:
        form.add_error("text", " ".join(invalid.errors.get("text", [invalid.message])))
        return _show_edit(request, version, form, problems=[], status=400)
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect(_url("procedure_version", version))
    messages.success(request, _saved_words(saved))
    return redirect(_url("edit_draft", saved))


def _show_edit(
    request: HttpRequest,
    version: ProcedureVersion,
    form: Any,
    *,
    problems: list[definition_text.Problem],
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "partnerships/versions/edit.html",
        {
            "partnership": version.partnership,
            "version": version,
            "form": form,
            "problems": [
                {"text": definition_text.described(p), "href": "#id_text"} for p in problems
            ],
            "problem_words": version_records.problem_words(len(problems)),
            "text_field": form["text"].as_govuk(
                errors=(
                    [f"The definition has {version_records.problem_words(len(problems))}"]
                    if problems and not form.errors
                    else None
                )
            ),
        },
        status=status,
    )


# ---------------------------------------------------------------- the preview


@require_safe
@login_required
def preview_draft(request: HttpRequest, slug: str, version_id: UUID) -> HttpResponse:
    partnership = _authors_partnership(request, slug)
    version = _version(partnership, version_id)
    procedure = authoring.procedure_of(version)
    today = clock.today()
    standing = authoring.standing(partnership, today)
    context: dict[str, Any] = {
        "partnership": partnership,
        "version": version,
        "current": standing.current,
        "scheduled": standing.scheduled,
        "problems": _described(version.problems),
    }
    if procedure is None:
        return render(request, "partnerships/versions/preview.html", context)
    stages = [(st.number, st.title) for st in procedure.stages]
    asked = any(k.startswith(("arose-", "started-", "stage")) for k in request.GET)
    # (Bound either way, so problems with the dates, even today's, can be added to it.)
    given = request.GET if asked else {f"arose-{k}": v for k, v in date_parts(today).items()}
    dates = authoring_forms.PreviewDatesForm(given, stages=stages)
    arose, started, status = today, {}, 200
    if dates.is_valid():
        arose = dates.cleaned_data.get("arose") or today
        started = dates.stage_started()
    else:
        status = 400
    stage_deadlines, wrong = authoring.deadlines(partnership, procedure, arose, started)
    for problem in wrong if status == 200 else []:
        dates.add_error(None, problem)
        status = 400
    old = None
    if standing.current.pk != version.pk:
        old = authoring.procedure_of(standing.current)
    context.update(
        views.procedure_context(procedure),
        dates=dates,
        arose_words=version_records.spoken(arose),
        differences_caption=f"Changes from version {standing.current.sequence}, the version "
        "in force",
        differences=authoring.differences(old, procedure) if old is not None else [],
        compared=old is not None,
        told=authoring.who_is_told(procedure),
        stage_deadlines=stage_deadlines if status == 200 else [],
    )
    return render(request, "partnerships/versions/preview.html", context, status=status)


# ---------------------------------------------------------------- publishing

#: Why the publish page is not shown, or a draft not published, without the draft's
#: preview: the author publishes what they previewed, nothing else.
PREVIEW_FIRST = "Preview this draft before you publish it, so you know what you are publishing."


@GET_AND_POST
@login_required
def publish_draft(request: HttpRequest, slug: str, version_id: UUID) -> HttpResponse:
    """Step 1 asks for the date; step 2 says what will happen and asks to confirm. Each
    carries the content hash of the draft as the author previewed it (the preview's
    link gives it): a draft changed since, or asked to publish without it, is not
    published and the author is asked to preview it again."""
    partnership = _authors_partnership(request, slug)
    version = _version(partnership, version_id)
    published = _draft_or_page(request, version)
    if published is not None:
        return published
    if not version.publishable:
        messages.error(request, version_records.unpublishable(version))
        return redirect(_url("edit_draft", version))
    if request.method != "POST":
        previewed = request.GET.get("previewed", "")
        if previewed != version.content_hash:
            messages.error(request, _not_previewed(previewed))
            return redirect(_url("preview_draft", version))
        form = authoring_forms.PublishForm(initial={"content_hash": previewed})
        return _show_publish(request, version, form)
    form = authoring_forms.PublishForm(request.POST)
    valid = form.is_valid()
    previewed = str(form.cleaned_data.get("content_hash") or "")
    if previewed != version.content_hash:
        form.add_error(None, _not_previewed(previewed))
        return _show_publish(request, version, form, status=409, preview_again=True)
    if not valid:
        return _show_publish(request, version, form, status=400)
    effective: dt.date = form.cleaned_data["effective_from"]
    if request.POST.get("confirmed") != "yes":
        return _show_publish(request, version, form, confirming=effective)
    try:
        drafts.publish_draft(request.user, version, effective, content_hash=previewed)
    except Invalid as invalid:
        for field, problems in invalid.errors.items():
            form.add_error(field if field in form.fields else None, " ".join(problems))
        return _show_publish(request, version, form, status=400)
    except NotAllowed:
        raise PermissionDenied from None
    except NotFound:
        raise Http404("There is no such draft.") from None
    except Conflict as conflict:
        if conflict.reason == "changed":
            form.add_error(None, conflict.message)
            return _show_publish(request, version, form, status=409, preview_again=True)
        messages.error(request, conflict.message)
        return redirect(_url("procedure_version", version))
    messages.success(
        request,
        f"Version {version.sequence} is published. It comes into force on "
        f"{version_records.spoken(effective)}.",
    )
    return redirect("partnerships:versions", partnership.slug)


def _not_previewed(previewed: str) -> str:
    return drafts.CHANGED_SINCE_PREVIEW if previewed else PREVIEW_FIRST


def _show_publish(
    request: HttpRequest,
    version: ProcedureVersion,
    form: Any,
    *,
    confirming: dt.date | None = None,
    status: int = 200,
    preview_again: bool = False,
) -> HttpResponse:
    standing = authoring.standing(version.partnership, clock.today())
    return render(
        request,
        "partnerships/versions/publish.html",
        {
            "partnership": version.partnership,
            "version": version,
            "form": form,
            "confirming": confirming,
            "confirming_words": version_records.spoken(confirming) if confirming else "",
            "publish_button": f"Publish version {version.sequence}",
            "current": standing.current,
            "scheduled": standing.scheduled,
            "preview_again": preview_again,
        },
        status=status,
    )
