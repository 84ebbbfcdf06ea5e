"""``mdt-desktop check``: integrity, schema version, audit chain, frozen evidence, row counts."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from mdt_desktop import __version__
from mdt_desktop.domain.snapshot import bytes_digest, digest
from mdt_desktop.models import Base, CaseSnapshotRow, MetaRow, SnapshotFigureRow
from mdt_desktop.models.db import Database, head_revision
from mdt_desktop.services.audit import verify_chain

COUNTED = (
    "patients",
    "medication_periods",
    "observations",
    "clinical_events",
    "clinicians",
    "meetings",
    "attendance",
    "case_reviews",
    "checklist_answers",
    "decisions",
    "actions",
    "drug_level_annotations",
    "audit_events",
    "case_snapshots",
)


def record_meta(session: Session, meta: dict[str, str]) -> None:
    """Store what ``check`` reports about the database itself, in the caller's transaction."""
    session.execute(insert(MetaRow), [{"key": k, "value": v} for k, v in sorted(meta.items())])


@dataclass(frozen=True, slots=True)
class CheckReport:
    """The result of a database check."""

    location: str
    app_version: str
    schema: str | None
    schema_head: str
    integrity: tuple[str, ...]
    foreign_keys: tuple[str, ...]
    audit_rows: int
    audit_problems: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    snapshot_problems: tuple[str, ...] = ()  # frozen evidence whose digest no longer matches

    @property
    def ok(self) -> bool:
        return (
            self.integrity == ("ok",)
            and not self.foreign_keys
            and not self.audit_problems
            and not self.snapshot_problems
            and self.schema == self.schema_head
        )

    def lines(self) -> list[str]:
        """Return the human-readable report."""
        chain = (
            "intact" if not self.audit_problems else f"BROKEN ({len(self.audit_problems)} problems)"
        )
        out = [
            f"Database:     {self.location}",
            f"Program:      MDT Desktop {self.app_version}",
            f"Schema:       {self.schema} (this version's newest: {self.schema_head})",
            f"Integrity:    {'ok' if self.integrity == ('ok',) else 'FAILED'}",
            f"Foreign keys: {'ok' if not self.foreign_keys else 'FAILED'}",
            f"Audit chain:  {self.audit_rows} rows, {chain}",
            "Snapshots:    "
            + ("digests match" if not self.snapshot_problems else "DIGESTS DO NOT MATCH"),
        ]
        if self.meta.get("demo") == "true":
            out.append(
                f"Demo:         seed {self.meta.get('demo_seed')}, "
                f"as of {self.meta.get('demo_as_of')}"
            )
        out.append("Rows:")
        width = max(len(name) for name in self.counts)
        out += [f"  {name:<{width}}  {n:>9,}" for name, n in self.counts.items()]
        problems = [*self.integrity[:20]] if self.integrity != ("ok",) else []
        problems += [*self.foreign_keys[:20], *self.audit_problems, *self.snapshot_problems[:20]]
        if problems:
            out.append("Problems:")
            out += [f"  {p}" for p in problems]
        out.append("Result:       " + ("OK" if self.ok else "PROBLEMS FOUND"))
        return out


def check_database(db: Database) -> CheckReport:
    """Run every check on *db* and return the report (never raises for a damaged file)."""
    with db.read() as session:
        if db.dialect == "sqlite":
            integrity = tuple(r[0] for r in session.execute(text("PRAGMA integrity_check")))
            fks = tuple(
                f"{r[0]} row {r[1]} -> {r[2]}"
                for r in session.execute(text("PRAGMA foreign_key_check"))
            )
        else:
            integrity, fks = ("ok",), ()
        schema = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
        counts = {
            name: session.scalar(select(func.count()).select_from(Base.metadata.tables[name])) or 0
            for name in COUNTED
        }
        meta = {row.key: row.value for row in session.scalars(select(MetaRow))}
        chain = verify_chain(session)
        snapshots = verify_snapshots(session)
    return CheckReport(
        db.label,
        __version__,
        schema,
        head_revision(),
        integrity,
        fks,
        chain.rows,
        chain.problems,
        counts,
        meta,
        snapshots,
    )


def verify_snapshots(session: Session) -> tuple[str, ...]:
    """Snapshots and figures whose stored digest does not match their content."""
    problems = [
        f"case snapshot {row.id} (case {row.case_review_id}): payload does not match its digest"
        for row in session.scalars(select(CaseSnapshotRow).order_by(CaseSnapshotRow.id))
        if digest(row.payload) != row.digest
    ]
    problems += [
        f"snapshot figure {row.id} ({row.name}): image does not match its digest"
        for row in session.scalars(select(SnapshotFigureRow).order_by(SnapshotFigureRow.id))
        if bytes_digest(row.data) != row.digest
    ]
    return tuple(problems)
