"""Who may do what on the Orders tab (SPEC §11), as pure rules: a role grants permissions, each
higher role everything of the one below.

- viewer: reads the grid, details and dashboards, and exports the grid without buyer PII;
- operator: also retries Magento orders (one or many) and cancels on Amazon, and exports with the
  buyer's name (their work needs it; a viewer's export is a file outside the 30-day erasure of
  SPEC §10, so it leaves buyer data out);
- admin: also manages users (and stores)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"


class Permission(StrEnum):
    READ = "read the Orders tab"
    EXPORT_BUYER_PII = "export buyer names"
    RETRY = "retry Magento orders"
    CANCEL = "cancel orders on Amazon"
    MANAGE_USERS = "manage users"
    MANAGE_STORES = "manage stores"


_GRANTS: dict[Role, frozenset[Permission]] = {
    Role.VIEWER: frozenset({Permission.READ}),
    Role.OPERATOR: frozenset({Permission.READ, Permission.EXPORT_BUYER_PII, Permission.RETRY, Permission.CANCEL}),
    Role.ADMIN: frozenset(Permission),
}


def allows(role: Role, permission: Permission) -> bool:
    return permission in _GRANTS[role]


def least_role(permission: Permission) -> Role:
    """The lowest role that holds ``permission`` (for the refusal message)."""
    return next(r for r in Role if allows(r, permission))


def refusal(role: Role, permission: Permission) -> str:
    """What a refused user reads (403)."""
    return (f"your role ({role.value}) does not allow you to {permission.value}; "
            f"it needs the {least_role(permission).value} role (ask an admin)")
