"""Who acts and what they may do: the actor of every audited change and the role matrix.

The matrix is enforced in services (not only by hidden buttons); screens read it to grey out
what the chosen person may not do.

Recording decisions and signing off also require being the meeting's own chair
(services/guards.the_chair); marking an action done is open to its owner and the coordinator.
Observers may only read.

To add a permission: 1. add it to Permission (here); 2. give it its roles in MATRIX; 3. call
services/guards.acting(session, actor, Permission.X) in the service; 4. add its row to the
permission matrix test (tests/services/test_permissions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import RefusedError

SYSTEM_ACTOR = "system"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who did something: a roster member (id and name) or the system."""

    id: int | None
    name: str


SYSTEM = Actor(None, SYSTEM_ACTOR)


class Permission(StrEnum):
    """Actions that change the record."""

    MANAGE_ROSTER = "manage the roster"
    PREPARE_MEETING = "prepare meetings and candidate lists"
    RECORD_ATTENDANCE = "record attendance"
    RECORD_DECISION = "record decisions"
    SIGN_OFF = "sign off meetings"
    ANNOTATE_DRUG_LEVELS = "annotate drug levels"
    CONFIRM_CHECKLIST = "confirm checklist items"
    ADD_NOTES = "add case notes"
    COMPLETE_ACTIONS = "complete actions"
    EXPORT = "export minutes, letters and spreadsheets"
    IMPORT_DATA = "import lab results, patients and treatment"
    CARRY_OVER = "carry cases over to the next meeting"


_CLINICIANS = frozenset(
    {Role.IBD_CONSULTANT, Role.IBD_CLINICIAN, Role.IBD_NURSE, Role.RADIOLOGIST, Role.SURGEON}
)

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.MANAGE_ROSTER: frozenset({Role.COORDINATOR}),
    Permission.PREPARE_MEETING: frozenset({Role.COORDINATOR}),
    Permission.RECORD_ATTENDANCE: frozenset({Role.COORDINATOR}),
    Permission.RECORD_DECISION: frozenset({Role.IBD_CONSULTANT}),
    Permission.SIGN_OFF: frozenset({Role.IBD_CONSULTANT}),
    Permission.ANNOTATE_DRUG_LEVELS: frozenset({Role.PHARMACIST}),
    Permission.CONFIRM_CHECKLIST: _CLINICIANS,
    Permission.ADD_NOTES: _CLINICIANS,
    Permission.COMPLETE_ACTIONS: frozenset(set(Role) - {Role.OBSERVER}),
    Permission.EXPORT: frozenset({Role.COORDINATOR, Role.IBD_CONSULTANT}),
    Permission.IMPORT_DATA: _CLINICIANS | {Role.COORDINATOR, Role.PHARMACIST},
    # a consultant only for the meetings they chaired (services/carry_over.py)
    Permission.CARRY_OVER: frozenset({Role.IBD_CONSULTANT, Role.COORDINATOR}),
}


def allowed(role: Role, permission: Permission) -> bool:
    """True when *role* may perform *permission*."""
    return role in MATRIX[permission]


def require(role: Role, permission: Permission, who: str) -> None:
    """Raise RefusedError naming the person, their role and the action when not allowed."""
    if not allowed(role, permission):
        raise RefusedError(f"{who} ({role.label}) may not {permission.value}.")
