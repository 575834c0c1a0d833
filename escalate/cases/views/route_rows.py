"""Where a case goes besides its stages, for the case page: the routes of the kinds of
case the person raising it said apply (a looked-after child's case to the named officer
instead of up the stages) and the forum each stage is heard by for whom the case is
about (a joint procedure's final forum for an adult or for a child). What they mean is
:mod:`escalate.procedures.routes`'."""

from __future__ import annotations

from dataclasses import dataclass

from escalate.cases.models import Case
from escalate.procedures import routes
from escalate.procedures.model import Procedure
from escalate.procedures.words import the


@dataclass(frozen=True)
class RouteRow:
    label: str
    go_to: str
    how: str
    instead_of_ladder: bool

    @property
    def words(self) -> str:
        """What the route means for the case, in a sentence."""
        if self.instead_of_ladder:
            return f"This case goes to {the(self.go_to)} instead of up the stages."
        return f"Tell {the(self.go_to)} as well."


@dataclass(frozen=True)
class ForumRow:
    number: int
    title: str
    forum: str

    @property
    def heard_by(self) -> str:
        """Who hears the stage, mid-sentence ("the Safeguarding Adults Board resolution
        panel")."""
        return the(self.forum)


@dataclass(frozen=True)
class CaseRoutes:
    routes: tuple[RouteRow, ...]
    forums: tuple[ForumRow, ...]

    def __bool__(self) -> bool:
        return bool(self.routes or self.forums)


def case_routes(case: Case, procedure: Procedure) -> CaseRoutes:
    """The case's routes and forums, in the procedure's order (none: nothing to show)."""
    kinds = [k for k in (case.kinds or []) if isinstance(k, str)]
    person = routes.person_group(case.subject_type)
    forums = []
    for stage in procedure.stages:
        forum = routes.forum(procedure, stage.number, person)
        if forum is not None:
            forums.append(ForumRow(stage.number, stage.title, forum))
    return CaseRoutes(
        tuple(
            RouteRow(r.label, r.go_to, r.how or "", r.instead_of_ladder)
            for r in routes.routes_for(procedure, kinds)
        ),
        tuple(forums),
    )
