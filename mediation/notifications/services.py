"""Write notices in bulk, each once: rows whose dedupe key already exists are left out."""
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..auth.models import User
from ..core.vocab import Role
from ..extensions import db
from .models import Notification


def notify_once(notices: Iterable[dict], now: datetime) -> int:
    """Insert notices (user_id, case_id, kind, details, dedupe_key) made at `now`; return how many
    were new. One INSERT … ON CONFLICT DO NOTHING on the unique dedupe key: a notice already
    written (by this run, an earlier one, or a job running beside it) is left out by the database."""
    rows = [{"user_id": n["user_id"], "case_id": n.get("case_id"), "kind": n["kind"], "dedupe_key": n["dedupe_key"],
             "details": n.get("details") or {}, "created_at": now} for n in {n["dedupe_key"]: n for n in notices}.values()]
    if not rows:
        return 0
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    table = Notification.__table__
    stmt = insert(table).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(table.c.id)
    return len(db.session.execute(stmt, rows).all())  # RETURNING counts what was inserted, on both databases


DIGEST_LIST = 50  # case references listed per state in one digest; the count says how many in all


def digests(entries: Iterable[tuple[int, str, str, str | None]], kind: str, key: str,
            states: Iterable[str]) -> list[dict]:
    """One notice per user from (user id, state, case reference, due iso) entries: kind `kind`, no
    case, details {"counts": {state: n}, "cases": {state: [[reference, due], ...]}} (at most
    DIGEST_LIST listed per state), dedupe key "<kind>:<user id>:<key>" (one digest per user and run)."""
    states = list(states)
    per_user: dict[int, dict[str, list]] = {}
    for user_id, state, reference, due in entries:
        per_user.setdefault(user_id, {s: [] for s in states})[state].append([reference, due])
    notices = []
    for user_id, by_state in sorted(per_user.items()):
        listed = {s: sorted(set(map(tuple, rows)), key=lambda r: (r[1] or "", r[0])) for s, rows in by_state.items()}
        notices.append({"user_id": user_id, "case_id": None, "kind": kind,
                        "details": {"counts": {s: len(rows) for s, rows in listed.items() if rows},
                                    "cases": {s: [list(r) for r in rows[:DIGEST_LIST]]
                                              for s, rows in listed.items() if rows}},
                        "dedupe_key": f"{kind}:{user_id}:{key}"})
    return notices


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def supervisor_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).where(User.role == Role.SUPERVISOR.value, User.active.is_(True))))


def case_recipients(case_rows, supervisors: list[int]) -> list[tuple[int, int]]:
    """(case id, user id) for the assigned mediator and the supervisors of each (case id, mediator id)."""
    pairs = set()
    for case_id, mediator_id in case_rows:
        if mediator_id:
            pairs.add((case_id, mediator_id))
        pairs.update((case_id, s) for s in supervisors)
    return sorted(pairs)
