"""Who may do what, in one place: the scopes the routes ask for, and the roles (Entra ID app roles
in a sign-in token's `roles` claim; a shortcut when making an API key) that grant them."""

from __future__ import annotations

from typing import Literal, get_args

Scope = Literal[
    "campaigns:read",
    "analytics:read",
    "accounts:read",
    "campaigns:write",
    "objects:approve",
    "accounts:admin",
    "keys:admin",
    "audit:read",
    "webhooks:admin",
    "contacts:read",
    "contacts:write",
    "contacts:erase",
    "notifications:send",
    "metrics:read",
    "automation:write",
]
Role = Literal["analyst", "editor", "approver", "admin"]
SCOPES: tuple[str, ...] = get_args(Scope)
ROLES: tuple[str, ...] = get_args(Role)

_READER = frozenset({"campaigns:read", "analytics:read", "accounts:read"})
ROLE_SCOPES: dict[str, frozenset[str]] = {
    "analyst": _READER,
    "editor": _READER
    | {
        "campaigns:write",
        "contacts:read",
        "contacts:write",
        "notifications:send",
        "automation:write",
    },
    "approver": _READER | {"objects:approve"},
    "admin": frozenset(SCOPES),
}


def scopes_of(roles: list[str] | tuple[str, ...]) -> frozenset[str]:
    """The scopes the roles grant together; a role mediaflow does not know grants nothing."""
    return frozenset().union(*(ROLE_SCOPES.get(role, frozenset()) for role in roles))
