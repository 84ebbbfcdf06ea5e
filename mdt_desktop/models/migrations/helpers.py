"""Shared DDL used by migrations: triggers that make tables append-only or read-only."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import op

from mdt_desktop.models.identity import APPLICATION_ID

__all__ = ["APPLICATION_ID", "create_append_only_triggers", "drop_append_only_triggers"]


def create_append_only_triggers(table: str) -> None:
    """Refuse UPDATE and DELETE on *table* for every client (SQLite and PostgreSQL)."""
    message = f"{table} is append-only: rows cannot be changed or deleted"
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
        return
    op.execute(
        f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN RAISE EXCEPTION '{message}'; END $$"
    )
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )


def drop_append_only_triggers(table: str) -> None:
    """Undo create_append_only_triggers."""
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        return
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    op.execute(f"DROP FUNCTION IF EXISTS {table}_append_only()")


# --- Sign-off lock (issue: recording the consensus) ---------------------------------------------
#
# Once a meeting is signed off, it and everything recorded for it are read-only for every client,
# not only for this program. Corrections are amendments: a new decision row pointing at the one
# it corrects (``amends_id``). An action's completion (``done_at``) may still be recorded.

LOCK_MESSAGE = "signed-off MDT meeting: its record is read-only; record an amendment instead"
_CASE_MEETING = "(SELECT meeting_id FROM case_reviews WHERE id = {row}.case_review_id)"


@dataclass(frozen=True)
class _Lock:
    table: str
    meeting: str  # SQL giving the meeting id of a row ({row} is NEW or OLD)
    insert_allowed: str | None = None  # condition under which an insert stays allowed
    update_allowed: dict[str, str] | None = None  # per dialect: condition keeping an update


_SAME_ACTION = ("description", "owner_id", "due_date", "case_review_id")
LOCKS = (
    _Lock("attendance", "{row}.meeting_id"),
    _Lock("case_reviews", "{row}.meeting_id"),
    _Lock("checklist_answers", _CASE_MEETING),
    _Lock("case_notes", _CASE_MEETING),
    _Lock("drug_level_annotations", _CASE_MEETING),
    _Lock("decisions", _CASE_MEETING, insert_allowed="NEW.amends_id IS NOT NULL"),
    _Lock(
        "actions",
        _CASE_MEETING,
        update_allowed={
            "sqlite": " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _SAME_ACTION),
            "postgresql": " AND ".join(
                f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in _SAME_ACTION
            ),
        },
    ),
)


def create_signoff_locks(locks: tuple[_Lock, ...] = LOCKS, *, shared: bool = True) -> None:
    """Install the triggers that make signed-off meetings read-only.

    *shared*: also the meeting's own lock and the PostgreSQL helper function (revision 0002
    creates them; later revisions add locks for their new tables only).
    """
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_locks(locks, shared)
    else:
        _postgres_locks(locks, shared)


def drop_signoff_locks(locks: tuple[_Lock, ...] = LOCKS, *, shared: bool = True) -> None:
    """Remove the sign-off triggers installed by create_signoff_locks with the same arguments."""
    if op.get_bind().dialect.name == "sqlite":
        for name in _sqlite_trigger_names(locks, shared):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        return
    for lock in locks:
        op.execute(f"DROP TRIGGER IF EXISTS {lock.table}_signoff_lock ON {lock.table}")
        op.execute(f"DROP FUNCTION IF EXISTS {lock.table}_signoff_lock()")
    if shared:
        op.execute("DROP TRIGGER IF EXISTS meetings_signoff_lock ON meetings")
        op.execute("DROP FUNCTION IF EXISTS meetings_signoff_lock()")
        op.execute("DROP FUNCTION IF EXISTS mdt_meeting_signed_off(integer)")


def _sqlite_signed(meeting_sql: str) -> str:
    return f"(SELECT status FROM meetings WHERE id = {meeting_sql}) = 'signed_off'"


def _sqlite_trigger_names(locks: tuple[_Lock, ...], shared: bool) -> list[str]:
    names = ["meetings_signoff_no_update", "meetings_signoff_no_delete"] if shared else []
    for lock in locks:
        names += [f"{lock.table}_signoff_no_{verb}" for verb in ("insert", "update", "delete")]
    return names


def _sqlite_trigger(name: str, event: str, table: str, when: str) -> None:
    op.execute(
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} WHEN {when} "
        f"BEGIN SELECT RAISE(ABORT, '{LOCK_MESSAGE}'); END"
    )


def _sqlite_locks(locks: tuple[_Lock, ...], shared: bool) -> None:
    if shared:
        for verb in ("UPDATE", "DELETE"):
            _sqlite_trigger(
                f"meetings_signoff_no_{verb.lower()}", verb, "meetings", "OLD.status = 'signed_off'"
            )
    for lock in locks:
        new = _sqlite_signed(lock.meeting.format(row="NEW"))
        old = _sqlite_signed(lock.meeting.format(row="OLD"))
        insert_when = (
            new if lock.insert_allowed is None else f"{new} AND NOT ({lock.insert_allowed})"
        )
        update_when = f"({old} OR {new})"
        if lock.update_allowed:
            update_when += f" AND NOT ({lock.update_allowed['sqlite']})"
        _sqlite_trigger(f"{lock.table}_signoff_no_insert", "INSERT", lock.table, insert_when)
        _sqlite_trigger(f"{lock.table}_signoff_no_update", "UPDATE", lock.table, update_when)
        _sqlite_trigger(f"{lock.table}_signoff_no_delete", "DELETE", lock.table, old)


def _postgres_meeting_lock() -> None:
    op.execute(
        "CREATE FUNCTION mdt_meeting_signed_off(mid integer) RETURNS boolean LANGUAGE sql STABLE "
        "AS $$ SELECT EXISTS (SELECT 1 FROM meetings WHERE id = mid AND status = 'signed_off') $$"
    )
    op.execute(
        "CREATE FUNCTION meetings_signoff_lock() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF OLD.status = 'signed_off' THEN RAISE EXCEPTION '{LOCK_MESSAGE}'; END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER meetings_signoff_lock BEFORE UPDATE OR DELETE ON meetings "
        "FOR EACH ROW EXECUTE FUNCTION meetings_signoff_lock()"
    )


def _postgres_locks(locks: tuple[_Lock, ...], shared: bool) -> None:
    if shared:
        _postgres_meeting_lock()
    for lock in locks:
        new = f"mdt_meeting_signed_off({lock.meeting.format(row='NEW')})"
        old = f"mdt_meeting_signed_off({lock.meeting.format(row='OLD')})"
        insert_when = (
            new if lock.insert_allowed is None else f"{new} AND NOT ({lock.insert_allowed})"
        )
        update_when = f"({old} OR {new})"
        if lock.update_allowed:
            update_when += f" AND NOT ({lock.update_allowed['postgresql']})"
        raise_ = f"RAISE EXCEPTION '{LOCK_MESSAGE}';"
        op.execute(
            f"CREATE FUNCTION {lock.table}_signoff_lock() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN "
            f"IF TG_OP = 'INSERT' AND {insert_when} THEN {raise_} END IF; "
            f"IF TG_OP = 'UPDATE' AND {update_when} THEN {raise_} END IF; "
            f"IF TG_OP = 'DELETE' AND {old} THEN {raise_} END IF; "
            f"IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {lock.table}_signoff_lock BEFORE INSERT OR UPDATE OR DELETE "
            f"ON {lock.table} FOR EACH ROW EXECUTE FUNCTION {lock.table}_signoff_lock()"
        )


# --- Issue 8: positions follow their decision's meeting; snapshots are append-only -----------

_DECISION_MEETING = (
    "(SELECT meeting_id FROM case_reviews WHERE id = "
    "(SELECT case_review_id FROM decisions WHERE id = {row}.decision_id))"
)
POSITION_LOCKS = (
    _Lock(
        "decision_positions",
        _DECISION_MEETING,
        insert_allowed="(SELECT amends_id FROM decisions WHERE id = NEW.decision_id) IS NOT NULL",
    ),
)
