"""Who may do what, and where: the one place an admin's role and scope are checked.

Roles (API.md, "Institutions, regions, roles"):

- ``centre_admin``: every action, everywhere;
- ``region_admin`` (scope: a GB/T 2260 region code or prefix): every action but the
  centre-wide ones, on what lies inside its region;
- ``institution_admin`` (scope: an institution code): its institution's catalogue, terminals,
  cards, staff, figures and audit;
- ``auditor`` (scope: a region or an institution, or none for the whole centre): reads
  figures and the audit trail, changes nothing;
- ``clerk`` (scope: an institution): counter work: finding a card, its history, replacing it,
  and signing the clerk's page in at one of its institution's windows (``counter.work``).

Services call :func:`require` (the role may do the action at all: else 403 ``FORBIDDEN``) and
then :func:`check` with the :class:`Place` of the resource they loaded (outside the scope: 404
``NOT_FOUND``, as if it did not exist). Lists are narrowed with :func:`reach_of`.

The role is checked before anything is read, so a 403 tells nothing about what exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.errors import DomainError, not_found
from api.principals import Caller

ROLES = ("centre_admin", "region_admin", "institution_admin", "auditor", "clerk")
# Roles whose scope is an institution code (the others' is a region prefix, or none).
INSTITUTION_ROLES = ("institution_admin", "clerk")

# Actions, named ``<what>.<verb>``. Centre-wide ones touch what no region owns: partner and
# peer clients, channel apps, message templates, money-platform reconciliation, QR settings.
CENTRE_WIDE = frozenset({"centre.read", "centre.manage"})
ACTIONS = frozenset({
    *CENTRE_WIDE,
    "region.manage",
    "institution.read", "institution.create", "institution.manage", "institution.deactivate",
    "catalogue.read", "catalogue.manage",
    "terminal.read", "terminal.manage",
    "card.read", "card.lookup", "card.manage", "card.replace",
    "blacklist.read", "blacklist.manage",
    "payment.refund",
    "counter.work",
    "user.read", "user.manage",
    "stats.read", "audit.read",
})  # fmt: skip

GRANTS: dict[str, frozenset[str]] = {
    "centre_admin": ACTIONS,
    "region_admin": ACTIONS - CENTRE_WIDE,
    "institution_admin": frozenset(
        {
            "institution.read",
            "institution.manage",
            "catalogue.read",
            "catalogue.manage",
            "terminal.read",
            "terminal.manage",
            "card.read",
            "card.lookup",
            "card.manage",
            "card.replace",
            "payment.refund",
            "user.read",
            "user.manage",
            "stats.read",
            "audit.read",
        }
    ),  # fmt: skip
    "auditor": frozenset({"stats.read", "audit.read"}),
    "clerk": frozenset(
        {
            "institution.read",
            "catalogue.read",
            "card.read",
            "card.lookup",
            "card.replace",
            "counter.work",
        }
    ),  # fmt: skip
}


def region_prefix(code: str) -> str:
    """The prefix that covers a region and its children: ``330100`` → ``3301``."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


@dataclass(frozen=True)
class Place:
    """Where a resource lies: its region code and institution (either may be unknown)."""

    region_code: str | None = None
    institution_code: str | None = None


@dataclass(frozen=True)
class Reach:
    """What a caller may see: everything (both None), a region prefix, or one institution."""

    region_prefix: str | None = None
    institution_code: str | None = None

    @property
    def everything(self) -> bool:
        """True for the whole centre."""
        return self.region_prefix is None and self.institution_code is None

    def covers(self, place: Place) -> bool:
        """True when ``place`` lies inside this reach."""
        if self.everything:
            return True
        if self.institution_code is not None:
            return place.institution_code == self.institution_code
        return bool(place.region_code) and str(place.region_code).startswith(
            self.region_prefix or ""
        )

    def holds(self, role: str, place: Place) -> bool:
        """True when a user of ``role`` whose scope lies at ``place`` is wholly inside."""
        if self.everything:
            return True
        if self.institution_code is not None:
            return role in INSTITUTION_ROLES and place.institution_code == self.institution_code
        if role in INSTITUTION_ROLES:
            return self.covers(place)
        return bool(place.region_code) and region_prefix(str(place.region_code)).startswith(
            self.region_prefix or ""
        )


def is_region_scope(scope: str) -> bool:
    """A scope that names a region (six digits) rather than an institution."""
    return len(scope) == 6 and scope.isdigit()


def role_of(caller: Caller) -> str:
    """The caller's role (a session signed in before roles existed was a centre admin)."""
    return caller.role or "centre_admin"


def reach_of(caller: Caller) -> Reach:
    """The part of the centre the caller may see."""
    role = role_of(caller)
    scope = caller.scope
    if role == "centre_admin" or (role == "auditor" and not scope):
        return Reach()
    if not scope:  # a scoped role without a scope sees nothing: fail closed
        return Reach(institution_code="\x00")
    if role in INSTITUTION_ROLES:
        return Reach(institution_code=str(scope))
    if role == "auditor" and not is_region_scope(str(scope)):
        return Reach(institution_code=str(scope))
    return Reach(region_prefix=region_prefix(str(scope)))


def may(caller: Caller, action: str) -> bool:
    """True when the caller's role grants ``action`` (an admin only)."""
    assert action in ACTIONS, f"unknown action {action!r}"
    return caller.kind == "admin" and action in GRANTS.get(role_of(caller), frozenset())


def granted(caller: Caller) -> list[str]:
    """Every action the caller's role grants, sorted (what the console offers)."""
    return sorted(action for action in ACTIONS if may(caller, action))


def require(caller: Caller, action: str) -> Reach:
    """403 ``FORBIDDEN`` unless the role grants ``action``; returns the caller's reach."""
    if not may(caller, action):
        raise DomainError("FORBIDDEN", f"your role may not {action.replace('.', ' ')}")
    return reach_of(caller)


def check(caller: Caller, action: str, place: Place, what: str = "resource") -> None:
    """:func:`require`, then 404 (as if missing) when ``place`` lies outside the reach."""
    if not require(caller, action).covers(place):
        raise not_found(what)


def check_grant(caller: Caller, role: str, scope: str | None, place: Place) -> None:
    """The caller may create a user of ``role`` whose ``scope`` lies at ``place``: never a
    role above its own (only a centre admin makes centre and region admins… and a region admin
    makes region admins inside its region), always inside its own reach."""
    reach = require(caller, "user.manage")
    if role not in ROLES:
        raise DomainError("VALIDATION_ERROR", f"role must be one of {', '.join(ROLES)}")
    if role == "centre_admin" and scope:
        raise DomainError("VALIDATION_ERROR", "a centre_admin has no scope")
    if role != "centre_admin" and role != "auditor" and not scope:
        raise DomainError("VALIDATION_ERROR", f"a {role} needs a scope")
    if role == "region_admin" and not is_region_scope(scope or ""):
        raise DomainError("VALIDATION_ERROR", "a region_admin's scope is a six-digit region code")
    if reach.everything:
        return
    if not _may_grant_role(caller, role):
        raise DomainError("FORBIDDEN", "your role may not grant that role")
    if not scope or not reach.holds(role, place):
        raise DomainError("FORBIDDEN", "that scope lies outside yours")


def _may_grant_role(caller: Caller, role: str) -> bool:
    """Never a role above the caller's own (scopes aside: :func:`check_grant` checks them)."""
    if reach_of(caller).everything:
        return True
    mine = role_of(caller)
    if role == "centre_admin" or (role == "region_admin" and mine != "region_admin"):
        return False
    return not (role == "institution_admin" and mine == "institution_admin")


def grantable(caller: Caller) -> list[str]:
    """The roles the caller may create staff of (each inside its own reach)."""
    if not may(caller, "user.manage"):
        return []
    return [role for role in ROLES if _may_grant_role(caller, role)]
