"""A person's notifications and how they get emails. Thin: selectors and services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from escalate.cases.errors import Invalid, NotAllowed
from escalate.govuk.pagination import page_links
from escalate.notifications import selectors, services
from escalate.notifications.models import DeliveryChoice


class PreferenceForm(forms.Form):
    delivery = forms.ChoiceField(
        label="How do you want to get emails?",
        choices=DeliveryChoice.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you want to get emails",
            "invalid_choice": "Select how you want to get emails",
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    person = request.user
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            try:
                services.set_preference(person, form.cleaned_data["delivery"])  # type: ignore[arg-type]
            except NotAllowed as exc:
                form.add_error(None, str(exc))
            except Invalid as exc:
                for message in exc.errors.get("delivery", []):
                    form.add_error("delivery", message)
            else:
                messages.success(request, "Your email choice has been saved.")
                return redirect("notifications:list")
        status = 400
    else:
        form = PreferenceForm(initial={"delivery": selectors.delivery_of(person)})  # type: ignore[arg-type]
        status = 200
    shown = selectors.notifications_page(person, request.GET.get("page"))  # type: ignore[arg-type]
    return render(
        request,
        "notifications/list.html",
        {
            "items": shown.items,
            "shown": shown,
            "pages": page_links(shown.number, shown.last, "Your notifications"),
            "form": form,
        },
        status=status,
    )
