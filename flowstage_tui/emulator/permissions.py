"""The demo user's permission switch: which of the permissions triage needs it holds.

`--user-perms LIST` (flowstage --demo, demo serve) and POST /__flowstage/permissions take
the same grammar: `all` (the default), `none`, or a comma list of names from PERMISSIONS
(case-insensitive, blanks around commas ignored). What each one gates:

  ManageUsers              UserLogin is visible (describe, SOQL); without it the org answers
                           a query on UserLogin as it answers one on an object the user cannot
                           see (INVALID_TYPE), as real orgs do.
  ManageFlow               DELETE /sobjects/FlowInterview/{id}
  ManageOrchestrationRuns  cancelling a run (PATCH Status) and reassigning a work item
                           (PATCH AssigneeId)
  ApprovalAdmin            the reassignApprovalWorkItem and cancelApprovalSubmission actions
"""

from __future__ import annotations

from collections.abc import Iterable

PERMISSIONS = ("ManageUsers", "ManageFlow", "ManageOrchestrationRuns", "ApprovalAdmin")
ALL = frozenset(PERMISSIONS)
_BY_LOWER = {p.lower(): p for p in PERMISSIONS}
GRAMMAR = f"all, none, or a comma list of {', '.join(PERMISSIONS)}"


def parse_user_perms(text: str) -> frozenset[str]:
    """The permissions a --user-perms value names; ValueError (one sentence naming the bad
    part and what to write instead) when it names something else."""
    words = [w.strip() for w in text.split(",")]
    if len(words) == 1 and words[0].lower() in ("all", "none"):
        return ALL if words[0].lower() == "all" else frozenset()
    return names_to_perms(words)


def names_to_perms(words: Iterable[str]) -> frozenset[str]:
    found = set()
    for word in words:
        if not word:
            raise ValueError(f"an empty permission name; write {GRAMMAR}")
        perm = _BY_LOWER.get(word.lower())
        if perm is None:
            hint = " (all and none stand alone)" if word.lower() in ("all", "none") else ""
            raise ValueError(f"{word!r} is not a permission{hint}; write {GRAMMAR}")
        found.add(perm)
    return frozenset(found)


def hidden_objects(perms: frozenset[str]) -> frozenset[str]:
    """The objects a user holding `perms` cannot see at all."""
    return frozenset() if "ManageUsers" in perms else frozenset({"UserLogin"})
