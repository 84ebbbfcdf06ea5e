"""Who may do what: the role matrix, enforced in services (not only by hidden buttons)."""

from __future__ import annotations

from enum import StrEnum

from mdt_desktop.domain.enums import Role
from mdt_desktop.domain.errors import RefusedError


class Permission(StrEnum):
    """Actions that change the record."""

    CONFIRM_CHECKLIST = "confirm checklist items"


_CLINICAL = frozenset(
    {
        Role.IBD_CONSULTANT,
        Role.IBD_CLINICIAN,
        Role.IBD_NURSE,
        Role.RADIOLOGIST,
        Role.SURGEON,
        Role.PHARMACIST,
    }
)

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.CONFIRM_CHECKLIST: _CLINICAL,
}


def allowed(role: Role, permission: Permission) -> bool:
    """True when *role* may perform *permission*."""
    return role in MATRIX[permission]


def require(role: Role, permission: Permission, who: str) -> None:
    """Raise RefusedError naming the person, their role and the action when not allowed."""
    if not allowed(role, permission):
        raise RefusedError(f"{who} ({role.label}) may not {permission.value}.")
