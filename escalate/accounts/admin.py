"""Administering people: who they are, who manages them and their roles.

Who may administer whom is decided by :mod:`escalate.partnerships.administration`.
In short, for anyone but a superuser:

- the list shows the people of the partnerships they administer (never a superuser);
  people with no role are listed only when searched for by their full email address,
  and their page opens only if nothing ties them to another partnership (see
  :mod:`escalate.partnerships.administration`);
- they change only people whose every role lies in what they administer, never an
  administrator's or other staff member's account, never their own;
- they never change an email address (it is where password reset emails go);
- the line manager they choose holds a manager's role in one of the person's agencies
  they administer, and is never themselves; every change of line manager is logged;
- staff and superuser status, groups and permissions are not shown at all;
- nobody but a superuser sets someone else's password: the password page answers 403,
  and "Send a password reset email" lets the person choose their own;
- people they add have no password until they choose one from that email.

Nobody, superusers included, changes superuser status here: superusers are made on the
command line (``escalate createsuperuser``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from escalate.accounts.forms import PersonChangeForm, PersonCreationForm, ResetPasswordForm
from escalate.accounts.models import User
from escalate.errors import NotAllowed
from escalate.partnerships import administration, services
from escalate.partnerships.admin.common import (
    MembershipForm,
    MembershipRowsMixin,
    PartnershipRoleForm,
    PartnershipRoleRowsMixin,
    ReadOnlyMembershipRowsMixin,
    ReadOnlyPartnershipRoleRowsMixin,
    ReadOnlyRoleInline,
    ScopedRelatedFilter,
    ScopedRoleInline,
    administers_anything,
    is_autocomplete_for,
    is_superuser,
    may_administer,
    remembered,
    save_role_formset,
    scoped_choices,
)
from escalate.partnerships.models import Membership, PartnershipRole

if TYPE_CHECKING:  # generic in the stubs only
    _DjangoUserAdmin = DjangoUserAdmin[User]
else:
    _DjangoUserAdmin = DjangoUserAdmin

security_log = logging.getLogger("escalate.security")


class MembershipInline(MembershipRowsMixin, ScopedRoleInline[Membership, User]):
    model = Membership
    form = MembershipForm
    fk_name = "person"
    autocomplete_fields = ["agency"]
    parent_check = "person"
    verbose_name = "role in an agency"
    verbose_name_plural = "roles in agencies"


class PartnershipRoleInline(PartnershipRoleRowsMixin, ScopedRoleInline[PartnershipRole, User]):
    model = PartnershipRole
    form = PartnershipRoleForm
    fk_name = "person"
    autocomplete_fields = ["partnership"]
    parent_check = "person"
    verbose_name = "role in a partnership"
    verbose_name_plural = "roles in partnerships"


class MembershipReadOnlyInline(ReadOnlyMembershipRowsMixin, ReadOnlyRoleInline[Membership, User]):
    model = Membership
    fk_name = "person"
    verbose_name = "role in an agency only a superuser can change"
    verbose_name_plural = "roles in agencies only a superuser can change"


class PartnershipRoleReadOnlyInline(
    ReadOnlyPartnershipRoleRowsMixin, ReadOnlyRoleInline[PartnershipRole, User]
):
    model = PartnershipRole
    fk_name = "person"
    verbose_name = "role in a partnership only a superuser can change"
    verbose_name_plural = "roles in partnerships only a superuser can change"


class PersonInvitationForm(PersonCreationForm):
    """Adding a person without a password: they choose their own from a reset email.
    (Anyone but a superuser adds people this way.)"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("usable_password", "password1", "password2"):
            self.fields.pop(name, None)

    def validate_passwords(self, *args: Any, **kwargs: Any) -> None:
        self.cleaned_data["set_usable_password"] = False

    def validate_password_for_user(self, user: Any, **kwargs: Any) -> None:
        return None


class PasswordResetFor(ResetPasswordForm):
    """The password reset email, sent to one chosen person (whether or not they have a
    password yet) rather than to whoever has the address typed in."""

    def __init__(self, person: User) -> None:
        super().__init__(data={"email": person.email})
        self.person = person

    def get_users(self, email: str) -> Any:
        return [self.person] if self.person.is_active else []


def send_password_reset(request: HttpRequest, person: User) -> bool:
    """Send ``person`` the usual "choose a new password" email, as the reset page does."""
    form = PasswordResetFor(person)
    if not form.is_valid():
        return False
    form.save(
        request=request,
        use_https=request.is_secure(),
        subject_template_name="registration/password_reset_subject.txt",
        email_template_name="registration/password_reset_email.txt",
        # Links in emails use ESCALATE_BASE_URL, never the Host header of the request.
        extra_email_context={"base_url": settings.BASE_URL},
    )
    return True


def _people(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


PERSON_FIELDS = ("full_name", "job_title", "phone", "line_manager")
#: Adding someone, anyone but a superuser leaves out the line manager: it is chosen
#: among the managers of the person's agencies, and a new person has none yet.
LIMITED_ADD_FIELDS = tuple(f for f in PERSON_FIELDS if f != "line_manager")


@admin.register(User)
class UserAdmin(_DjangoUserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    inlines = [MembershipInline, PartnershipRoleInline]
    actions = ["send_password_reset_email", "sign_out_everywhere"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Details", {"fields": PERSON_FIELDS}),
        (
            "Access",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": (
                    "Switch a person off (untick Active) rather than deleting them: "
                    "their name stays on the cases they took part in."
                ),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    #: What anyone but a superuser sees: no password, no staff or superuser status, no
    #: groups or permissions.
    limited_fieldsets = (
        (None, {"fields": ("email",)}),
        ("Details", {"fields": PERSON_FIELDS}),
        (
            "Access",
            {
                "fields": ("is_active",),
                "description": (
                    "Switch a person off (untick Active) rather than deleting them: "
                    "their name stays on the cases they took part in. To let someone "
                    "choose a new password, use “Send a password reset email” in the "
                    "list of people."
                ),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    *PERSON_FIELDS,
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    limited_add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", *LIMITED_ADD_FIELDS),
                "description": (
                    "The person chooses their own password: once they are added, send "
                    "them a password reset email from the list of people. Once they "
                    "have a role in an agency, you can choose their line manager."
                ),
            },
        ),
    )
    readonly_fields = ("last_login", "date_joined")
    list_display = ("full_name", "email", "job_title", "line_manager", "is_active", "is_staff")
    list_filter = (
        "is_active",
        "is_staff",
        "is_superuser",
        "memberships__role",
        ("memberships__agency", ScopedRelatedFilter),
        ("partnership_roles__partnership", ScopedRelatedFilter),
    )
    list_select_related = ("line_manager",)
    search_fields = ("full_name", "email", "job_title")
    ordering = ("full_name",)
    autocomplete_fields = ("line_manager",)

    # ------------------------------------------------------------ what is shown

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        if is_superuser(request):
            return super().get_fieldsets(request, obj)
        return self.limited_add_fieldsets if obj is None else self.limited_fieldsets

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Superusers are made on the command line, never here (not even by a superuser).
        readonly = (*super().get_readonly_fields(request, obj), "is_superuser")
        if not is_superuser(request):
            # Only superusers hand out staff status, groups and permissions; otherwise
            # an administrator could give themselves (or anyone) more powers. Nor do
            # they change an email address: the password reset email goes there.
            readonly += ("is_staff", "groups", "user_permissions", "password")
            if obj is not None:
                readonly += ("email",)
        return readonly

    def get_autocomplete_fields(self, request: HttpRequest) -> Any:
        # The line manager's choices depend on the person (the managers of their
        # agencies), which the search behind an autocomplete field cannot know: anyone
        # but a superuser chooses from a short list instead.
        if is_superuser(request):
            return self.autocomplete_fields
        return ()

    def get_list_filter(self, request: HttpRequest) -> Any:
        if is_superuser(request):
            return self.list_filter
        return tuple(f for f in self.list_filter if f not in ("is_staff", "is_superuser"))

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        if obj is None or is_superuser(request):
            return list(self.inlines)
        return [*self.inlines, MembershipReadOnlyInline, PartnershipRoleReadOnlyInline]

    def get_form(  # type: ignore[override]  # django-stubs names the change flag
        self, request: HttpRequest, obj: Any = None, **kwargs: Any
    ) -> Any:
        if obj is None and not is_superuser(request):
            kwargs["form"] = PersonInvitationForm
        form = super().get_form(request, obj, **kwargs)
        field = form.base_fields.get("line_manager")
        if field is not None and not is_superuser(request):
            choices = administration.line_manager_choices(request.user, obj)
            # Keep the line manager someone has now, even one out of scope (so the form
            # saves unchanged); anything else sent is "Select a valid choice".
            field.queryset = scoped_choices(  # type: ignore[attr-defined]
                choices, getattr(obj, "line_manager_id", None)
            )
        return form

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "line_manager":
            # (Narrowed to the person's own choices by get_form.)
            kwargs["queryset"] = administration.line_manager_candidates(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # ------------------------------------------------------------ who is shown

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        return queryset.filter(pk__in=administration.visible_people(request.user).values("pk"))

    def get_search_results(self, request: HttpRequest, queryset: QuerySet[Any], search_term: str):  # type: ignore[no-untyped-def]
        queryset, distinct = super().get_search_results(request, queryset, search_term)
        if is_superuser(request):
            return queryset, distinct
        actor = request.user
        # People with no role yet are not listed (they may be anyone's new starter):
        # only their full email address finds them.
        hidden = administration.roleless_people(queryset)
        if actor.pk is not None:
            hidden = hidden.exclude(pk=actor.pk)
        term = search_term.strip()
        if term:
            hidden = hidden.exclude(email__iexact=term)
        queryset = queryset.exclude(pk__in=hidden.values("pk"))
        if is_autocomplete_for(request, ("membership", "person"), ("partnershiprole", "person")):
            # Choosing whom to give a role: never an administrator, never oneself.
            queryset = queryset.filter(pk__in=administration.grantable_people(actor).values("pk"))
        elif is_autocomplete_for(request, ("user", "line_manager")):
            # (Not offered to them, but asked for anyway: only possible line managers.)
            candidates = administration.line_manager_candidates(actor)
            queryset = queryset.filter(pk__in=candidates.values("pk"))
        return queryset, distinct

    # ------------------------------------------------------------ permissions

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_view_permission(request, obj):
            return False
        return obj is None or remembered(
            request,
            ("view person", obj.pk),
            lambda: administration.may_view_person(request.user, obj),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and administers_anything(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None:
            return administers_anything(request)
        return may_administer(request, "person", obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Switch people off instead; deleting is for superusers.
        return super().has_delete_permission(request, obj) and is_superuser(request)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        # Nobody but a superuser sets someone else's password.
        if not is_superuser(request):
            security_log.warning(
                "admin.password_form_refused actor=%s actor_email=%s",
                request.user.pk,
                request.user.email,  # type: ignore[union-attr]
            )
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)

    # ------------------------------------------------------------ saving

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = request.user
        changed = set(form.changed_data)
        if change and not administration.may_administer_person(actor, obj):
            raise PermissionDenied
        if change and "email" in changed and not is_superuser(request):
            raise PermissionDenied  # (the field is read-only to them: a crafted form)
        if "line_manager" in changed:
            try:
                services.check_line_manager(actor, obj, obj.line_manager)  # type: ignore[arg-type]
            except NotAllowed as exc:
                raise PermissionDenied(str(exc)) from exc
        super().save_model(request, obj, form, change)
        if "line_manager" in changed:
            services.line_manager_changed(actor, obj)  # type: ignore[arg-type]
        events = {
            # Ids only: never the old or new address.
            "email": "person.email_changed",
            "is_active": "person.switched_on" if obj.is_active else "person.switched_off",
        }
        for field, event in events.items():
            if change and field in changed:
                security_log.info(
                    "%s actor=%s actor_email=%s person=%s",
                    event,
                    actor.pk,
                    actor.email,  # type: ignore[union-attr]
                    obj.pk,
                )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        # (Superusers only.) The roles go with the person: record them as taken away.
        for held in [*obj.memberships.all(), *obj.partnership_roles.all()]:
            services.revoke_role(request.user, held)  # type: ignore[arg-type]
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for person in queryset:
            self.delete_model(request, person)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model in (Membership, PartnershipRole):
            save_role_formset(request, formset)
        else:
            super().save_formset(request, form, formset, change)

    # ------------------------------------------------------------ actions

    @admin.action(description="Send a password reset email", permissions=["change"])
    def send_password_reset_email(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        sent = refused = 0
        for person in queryset:
            if not administration.may_administer_person(request.user, person):
                refused += 1
                continue
            if not send_password_reset(request, person):
                refused += 1
                continue
            sent += 1
            security_log.info(
                "password_reset.sent_by_administrator actor=%s actor_email=%s person=%s",
                request.user.pk,
                request.user.email,  # type: ignore[union-attr]
                person.pk,
            )
        if sent:
            self.message_user(
                request,
                f"A password reset email is on its way to {_people(sent)}.",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                f"No email was sent to {_people(refused)}: you cannot administer them, "
                "or they are switched off.",
                messages.WARNING,
            )

    @admin.action(description="Sign this person out everywhere", permissions=["change"])
    def sign_out_everywhere(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        from escalate.accounts.sessions import end_all_sessions

        people = ended = refused = 0
        for person in queryset:
            if not administration.may_administer_person(request.user, person):
                refused += 1
                continue
            try:
                ended += end_all_sessions(request.user, person)  # type: ignore[arg-type]
            except PermissionDenied:
                refused += 1
                continue
            people += 1
        if people:
            self.message_user(
                request,
                f"Signed {_people(people)} out everywhere "
                f"({ended} session{'s' if ended != 1 else ''} ended).",
                messages.SUCCESS,
            )
        if refused:
            self.message_user(
                request,
                f"{_people(refused).capitalize()} not signed out: you cannot administer them.",
                messages.WARNING,
            )
