"""The role matrix: which role may do what. One table, so a reviewer can read it at a glance."""

from __future__ import annotations

from enum import StrEnum

from civicpanel.accounts.models import Role, StaffMembership


class Capability(StrEnum):
    SETTINGS = "settings"      # council settings, profile questions, population figures, consent
    STAFF = "staff"            # staff accounts and roles
    AUDIT = "audit"            # read the audit log
    MEMBERS = "members"        # see and change members: identities
    SURVEYS = "surveys"        # build, send and remind surveys
    EVENTS = "events"          # workshops, focus groups, user tests
    MAILINGS = "mailings"      # information mailings and feedback to the panel
    BUDGETING = "budgeting"    # participatory-budgeting rounds: ideas, assessment, paper ballots, count
    RESULTS = "results"        # aggregated results and pseudonymous exports, never identities


ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.MANAGER: frozenset({Capability.MEMBERS, Capability.SURVEYS, Capability.EVENTS,
                             Capability.MAILINGS, Capability.RESULTS, Capability.BUDGETING}),
    Role.ANALYST: frozenset({Capability.RESULTS}),
}


def membership_for(user, council) -> StaffMembership | None:
    if council is None or not getattr(user, "is_authenticated", False):
        return None
    return StaffMembership.objects.filter(user=user, council=council).first()


def can(membership: StaffMembership | None, capability: Capability) -> bool:
    return membership is not None and capability in ROLE_CAPABILITIES.get(membership.role, frozenset())
