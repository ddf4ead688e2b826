"""The staff queue's rules: one owner at a time, version-checked actions, an append-only history."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from backend.models import Flag, FlagEvent, StaffUser, utcnow
from backend.problems import Problem

ACTIONS = {
    # action: (statuses it may start from, status it leaves)
    "claim": (("open",), "claimed"),
    "release": (("claimed",), "open"),
    "resolve": (("claimed",), "resolved"),
}


def check_action(flag: Flag, user: StaffUser, action: str, version: int) -> None:
    """Refuse a stale or out-of-turn action with a message saying what changed."""
    allowed_from, _ = ACTIONS[action]
    if flag.version != version:
        raise Problem(
            409,
            "stale",
            f"someone acted on this flag first (it is now {flag.status}, version {flag.version}): reload it",
            current_version=flag.version,
            status_now=flag.status,
        )
    if flag.status not in allowed_from:
        raise Problem(409, "wrong-state", f"cannot {action} a flag that is {flag.status}", status_now=flag.status)
    if action in ("release", "resolve") and flag.owner_id != user.id and user.role != "manager":
        raise Problem(403, "not-owner", "another staff member has claimed this flag")


def apply_action(
    session: Session, flag: Flag, user: StaffUser, action: str, version: int, reason: str = "", **details: object
) -> None:
    """Move the flag (compare-and-set on its version, so concurrent clicks cannot both win) and log it."""
    check_action(flag, user, action, version)
    _, new_status = ACTIONS[action]
    values: dict[str, object] = {"status": new_status, "version": version + 1}
    if action == "claim":
        values["owner_id"] = user.id
    elif action == "release":
        values["owner_id"] = None
    elif action == "resolve":
        values["resolution"] = str(details.get("resolution", ""))
        values["resolved_at"] = utcnow()
    result = session.execute(
        update(Flag)
        .where(Flag.id == flag.id, Flag.version == version)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        raise Problem(409, "stale", "someone acted on this flag at the same moment: reload it")
    session.add(
        FlagEvent(flag_id=flag.id, staff_id=user.id, action=action, reason=reason, details=details, version=version + 1)
    )
    session.flush()
    session.refresh(flag)
