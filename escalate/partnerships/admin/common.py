"""Shared pieces of the partnership administration pages: scoped role forms, inlines and
filters (also used by the people pages in :mod:`escalate.accounts.admin`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, Q, QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from escalate.accounts.signed_in import signed_in_user
from escalate.errors import NotAllowed
from escalate.partnerships import administration, services
from escalate.partnerships.models import (
    Agency,
    Membership,
    Partnership,
    PartnershipRole,
    PartnershipRoleKind,
)

#: A role held: in an agency (Membership) or in a partnership (PartnershipRole).
_Held = TypeVar("_Held", bound=Membership | PartnershipRole)
#: What a page of roles is on: a person, an agency or a partnership.
_Parent = TypeVar("_Parent", bound=Model)
_M = TypeVar("_M", bound=Model)

# ---------------------------------------------------------------- shared pieces


def is_superuser(request: HttpRequest) -> bool:
    return administration.is_superuser(request.user)


def remembered(request: HttpRequest, key: tuple[Any, ...], check: Callable[[], bool]) -> bool:
    """A permission answer, worked out once per request (the admin asks the same
    question many times while drawing one page)."""
    answers = request.__dict__.setdefault("_escalate_admin_answers", {})
    if key not in answers:
        answers[key] = bool(check())
    return bool(answers[key])


def administers_anything(request: HttpRequest) -> bool:
    return remembered(
        request, ("anything",), lambda: administration.administers_anything(request.user)
    )


def may_administer(request: HttpRequest, what: str, obj: Any) -> bool:
    """``what`` is "person", "agency" or "partnership"."""
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "person": administration.may_administer_person,
        "agency": administration.may_administer_agency,
        "partnership": administration.may_administer_partnership,
    }
    check = checks[what]
    return remembered(request, (what, obj.pk), lambda: check(request.user, obj))


def scoped_choices(queryset: QuerySet[_M], current: Any = None) -> QuerySet[_M]:
    """``queryset``, plus the value a field holds now (so an unchanged form still
    validates); anything else sent is "Select a valid choice"."""
    if current is None:
        return queryset
    return queryset.model._default_manager.filter(Q(pk__in=queryset.values("pk")) | Q(pk=current))


def is_autocomplete_for(request: HttpRequest, *fields: tuple[str, str]) -> bool:
    """Whether this is the admin's autocomplete asking for one of ``fields``, given as
    (model name, field name)."""
    if not request.path.rstrip("/").endswith("/autocomplete"):
        return False
    asked = (request.GET.get("model_name", ""), request.GET.get("field_name", ""))
    return asked in fields


class RoleForm(forms.ModelForm[_Held]):
    """A role in an agency or a partnership. ``clean`` asks the administration rules
    whether the person signed in may give (and, for a change, take away) the role."""

    actor: Any = None
    place_field = "agency"

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        if self.actor is None or cleaned.get("DELETE"):
            return cleaned
        person = cleaned.get("person", getattr(self.instance, "person", None))
        place = cleaned.get(self.place_field, getattr(self.instance, self.place_field, None))
        role = cleaned.get("role")
        if person is None or place is None or not role:
            return cleaned
        model = type(self.instance)
        before = (
            model.objects.select_related("person", self.place_field)
            .filter(pk=self.instance.pk)
            .first()
            if self.instance.pk
            else None
        )
        if before is not None:
            unchanged = (
                before.person_id == person.pk
                and getattr(before, f"{self.place_field}_id") == place.pk
                and before.role == role
            )
            if unchanged:
                return cleaned
            reason = administration.why_not_revoke(self.actor, before)
            if reason:
                raise ValidationError(reason)
        # (A new agency has no id yet: its own form keeps its partnerships in scope, and
        # the service checks again once it is saved.)
        reason = administration.why_not_grant(self.actor, place, role, person)
        if reason:
            raise ValidationError(reason)
        return cleaned


class MembershipForm(RoleForm[Membership]):
    place_field = "agency"

    class Meta:
        model = Membership
        fields = ["person", "agency", "role"]


class PartnershipRoleForm(RoleForm[PartnershipRole]):
    place_field = "partnership"

    class Meta:
        model = PartnershipRole
        fields = ["person", "partnership", "role"]


class RoleFormSet(BaseInlineFormSet[_Held, _Parent, forms.ModelForm[_Held]]):
    """Refuses taking away a role the person signed in may not take away."""

    actor: Any = None

    def clean(self) -> None:
        super().clean()
        if self.actor is None:
            return
        for form in self.forms:
            if not (self.can_delete and form.cleaned_data.get(DELETION_FIELD_NAME, False)):
                continue
            if form.instance.pk is None:
                continue
            before = type(form.instance).objects.filter(pk=form.instance.pk).first()
            if before is None:
                continue
            reason = administration.why_not_revoke(self.actor, before)
            if reason:
                raise ValidationError(reason)


def save_role_formset(request: HttpRequest, formset: Any) -> None:
    """Save an inline formset of roles through the role services, so every change is
    checked and recorded."""
    instances = formset.save(commit=False)
    try:
        for held in formset.deleted_objects:
            services.revoke_role(signed_in_user(request), held)
        for held in instances:
            services.save_role(signed_in_user(request), held)
    except NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    formset.save_m2m()


def editable_memberships(actor: Any) -> QuerySet[Membership]:
    """Agency roles ``actor`` may change or take away."""
    if administration.is_superuser(actor):
        return Membership.objects.all()
    return Membership.objects.filter(
        agency__in=administration.administered_agencies(actor),
        person__in=administration.grantable_people(actor),
    )


def visible_memberships(actor: Any) -> QuerySet[Membership]:
    if administration.is_superuser(actor):
        return Membership.objects.all()
    return Membership.objects.filter(agency__in=administration.visible_agencies(actor))


def editable_partnership_roles(actor: Any) -> QuerySet[PartnershipRole]:
    """Partnership roles ``actor`` may change or take away."""
    if administration.is_superuser(actor):
        return PartnershipRole.objects.all()
    return PartnershipRole.objects.filter(
        partnership__in=administration.administered_partnerships(actor),
        person__in=administration.grantable_people(actor),
    ).exclude(role=administration.ADMINISTRATOR)


def visible_partnership_roles(actor: Any) -> QuerySet[PartnershipRole]:
    return PartnershipRole.objects.filter(
        partnership__in=administration.administered_partnerships(actor)
    )


def partnership_role_choices(request: HttpRequest) -> list[tuple[str, str]]:
    choices = list(PartnershipRoleKind.choices)
    if not is_superuser(request):
        choices = [(v, label) for v, label in choices if v != administration.ADMINISTRATOR]
    return choices


class ScopedRoleInline(admin.TabularInline[_Held, _Parent]):
    """An editable inline of roles: only the rows the person signed in may change, and
    choices limited to what they may give."""

    extra = 0
    formset: type[BaseInlineFormSet[_Held, _Parent, forms.ModelForm[_Held]]] = RoleFormSet
    parent_check: str = ""  # "person", "agency" or "partnership"

    def _rows(self, actor: Any) -> QuerySet[_Held]:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[_Held]:
        queryset = super().get_queryset(request)
        return queryset.filter(pk__in=self._rows(request.user).values("pk"))

    def may_edit_parent(self, request: HttpRequest, obj: Any) -> bool:
        if is_superuser(request):
            return True
        if obj is None:
            return administers_anything(request)
        return may_administer(request, self.parent_check, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self.may_edit_parent(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and self.may_edit_parent(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and self.may_edit_parent(request, obj)

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        kwargs["form"] = type("ScopedForm", (self.form,), {"actor": request.user})
        kwargs["formset"] = type("ScopedFormSet", (self.formset,), {"actor": request.user})
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        actor = request.user
        if db_field.name == "person":
            kwargs["queryset"] = administration.grantable_people(actor)
        elif db_field.name == "agency":
            kwargs["queryset"] = administration.administered_agencies(actor)
        elif db_field.name == "partnership":
            kwargs["queryset"] = administration.administered_partnerships(actor)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if self.model is PartnershipRole and db_field.name == "role":
            kwargs["choices"] = partnership_role_choices(request)
        return super().formfield_for_choice_field(db_field, request, **kwargs)


class ReadOnlyRoleInline(admin.TabularInline[_Held, _Parent]):
    """Roles the person signed in can see but not change (in an agency shared with
    another partnership, administrators' roles, their own)."""

    extra = 0
    can_delete = False

    def _rows(self, actor: Any) -> QuerySet[_Held]:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[_Held]:
        return super().get_queryset(request).filter(pk__in=self._rows(request.user).values("pk"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name != "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class MembershipRowsMixin:
    def _rows(self, actor: Any) -> QuerySet[Membership]:
        return editable_memberships(actor)


class ReadOnlyMembershipRowsMixin:
    def _rows(self, actor: Any) -> QuerySet[Membership]:
        return visible_memberships(actor).exclude(pk__in=editable_memberships(actor).values("pk"))


class PartnershipRoleRowsMixin:
    def _rows(self, actor: Any) -> QuerySet[PartnershipRole]:
        return editable_partnership_roles(actor)


class ReadOnlyPartnershipRoleRowsMixin:
    def _rows(self, actor: Any) -> QuerySet[PartnershipRole]:
        return visible_partnership_roles(actor).exclude(
            pk__in=editable_partnership_roles(actor).values("pk")
        )


class ScopedRoleAdmin(admin.ModelAdmin[_Held]):
    """The list pages of roles: the rows in scope; adding and changing only what the
    administration rules allow; every save and deletion through the services."""

    def _visible(self, actor: Any) -> QuerySet[_Held]:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet[_Held]:
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(pk__in=self._visible(request.user).values("pk"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and administers_anything(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return administers_anything(request)
        return remembered(
            request,
            ("revoke", type(obj).__name__, obj.pk),
            lambda: administration.may_revoke(request.user, obj),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        if obj is None:
            return administers_anything(request)
        return remembered(
            request,
            ("revoke", type(obj).__name__, obj.pk),
            lambda: administration.may_revoke(request.user, obj),
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[_Held]]:
        kwargs["form"] = type("ScopedForm", (self.form,), {"actor": request.user})
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        actor = request.user
        if db_field.name == "person":
            kwargs["queryset"] = administration.grantable_people(actor)
        elif db_field.name == "agency":
            kwargs["queryset"] = administration.administered_agencies(actor)
        elif db_field.name == "partnership":
            kwargs["queryset"] = administration.administered_partnerships(actor)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_choice_field(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if self.model is PartnershipRole and db_field.name == "role":
            kwargs["choices"] = partnership_role_choices(request)
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: _Held, form: Any, change: bool) -> None:
        try:
            services.save_role(signed_in_user(request), obj)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_model(self, request: HttpRequest, obj: _Held) -> None:
        try:
            services.revoke_role(signed_in_user(request), obj)
        except NotAllowed as exc:
            raise PermissionDenied(str(exc)) from exc

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_Held]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


# ---------------------------------------------------------------- list filters


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """A filter by agency or partnership offering only those in the person's scope."""

    def field_choices(self, field: Any, request: HttpRequest, model_admin: Any) -> list[Any]:
        actor = request.user
        model = field.related_model
        scope: QuerySet[Agency] | QuerySet[Partnership]
        if model is Agency:
            scope = administration.visible_agencies(actor)
        elif model is Partnership:
            scope = administration.administered_partnerships(actor)
        else:
            return super().field_choices(field, request, model_admin)
        return [(item.pk, str(item)) for item in scope.order_by("name")]
