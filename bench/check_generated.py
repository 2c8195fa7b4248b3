"""Check a database filled by bench/generate.py against the app itself.

    .venv/bin/python bench/check_generated.py --database-url sqlite:////tmp/bench_20k.db [--sample 2000]
        [--now ISO] [--commit]

- foreign keys and (SQLite) integrity; the check constraints hold by being enforced on insert;
- for a sample of cases, loaded through the ORM: the deadlines the app's `refresh_deadlines`
  computes equal the stored ones; the search terms equal `core.search.case_terms` of the case's
  reference, external reference, parties and summary; JSON columns are what `json.dumps` writes;
  timeline events chain (each event's from-status is the previous event's to-status);
- the overdue sweep runs (`mediation.jobs.sweeps.overdue_sweep`), and, logged in through the
  test client as the demo supervisor, the queue, a search, a filtered queue and a case detail answer
  200. Nothing is kept (the sweep is rolled back, the supervisor's password restored) unless --commit.
"""
import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", required=True)
    p.add_argument("--sample", type=int, default=2000)
    p.add_argument("--now", default=None, help="the clock the data was generated with (default now)")
    p.add_argument("--commit", action="store_true", help="keep the sweep's flags")
    p.add_argument("--skip-integrity", action="store_true", help="skip the full-database integrity scans")
    args = p.parse_args()
    now = datetime.fromisoformat(args.now).astimezone(timezone.utc) if args.now else datetime.now(timezone.utc)

    from sqlalchemy import func, select, text

    from mediation import create_app
    from mediation.auth.models import User
    from mediation.cases.models import Case, CaseSearchTerm, TimelineEvent
    from mediation.cases.services import refresh_deadlines
    from mediation.core.search import case_terms
    from mediation.extensions import db
    from mediation.jobs.sweeps import overdue_sweep
    from mediation.organisation.town import current_town

    app = create_app("development", {"SQLALCHEMY_DATABASE_URI": args.database_url, "WTF_CSRF_ENABLED": False})
    problems: list[str] = []
    with app.app_context():
        town = current_town()
        dialect = db.engine.dialect.name
        if not args.skip_integrity:
            started = time.perf_counter()
            if dialect == "sqlite":
                bad_fk = db.session.execute(text("PRAGMA foreign_key_check")).fetchmany(5)
                ok = db.session.execute(text("PRAGMA quick_check")).scalar()
                if bad_fk:
                    problems.append(f"foreign keys: {bad_fk}")
                if ok != "ok":
                    problems.append(f"quick_check: {ok}")
            else:
                for child, col, parent in [("parties", "case_id", "cases"), ("timeline_events", "case_id", "cases"),
                                           ("case_search_terms", "case_id", "cases"),
                                           ("cases", "merged_into_id", "cases"),
                                           ("notifications", "user_id", "users")]:
                    n = db.session.execute(text(
                        f"SELECT count(*) FROM {child} c WHERE c.{col} IS NOT NULL AND NOT EXISTS "
                        f"(SELECT 1 FROM {parent} p WHERE p.id = c.{col})")).scalar()
                    if n:
                        problems.append(f"{child}.{col}: {n} rows without a {parent} row")
            print(f"integrity checked in {time.perf_counter() - started:.1f}s")

        max_id = db.session.scalar(select(func.max(Case.id)))
        min_id = db.session.scalar(select(func.min(Case.id)))
        rng = random.Random(7)
        ids = sorted({rng.randint(min_id, max_id) for _ in range(args.sample)})
        started = time.perf_counter()
        checked = 0
        for start in range(0, len(ids), 200):
            batch = ids[start:start + 200]
            cases = db.session.scalars(select(Case).where(Case.id.in_(batch))).all()
            terms: dict[int, set] = {}
            for case_id, term in db.session.execute(
                    select(CaseSearchTerm.case_id, CaseSearchTerm.term).where(CaseSearchTerm.case_id.in_(batch))):
                terms.setdefault(case_id, set()).add(term)
            for case in cases:
                checked += 1
                stored = (case.accept_by, case.conclude_by, case.follow_up_by, case.confirmation_by, case.reply_by,
                          case.next_deadline, case.next_stage, case.deadline_provisional)
                refresh_deadlines(case, town)
                again = (case.accept_by, case.conclude_by, case.follow_up_by, case.confirmation_by, case.reply_by,
                         case.next_deadline, case.next_stage, case.deadline_provisional)
                if stored != again:
                    problems.append(f"{case.reference}: deadlines {stored} != app's {again}")
                want = case_terms(case.reference, case.external_ref, [p.name for p in case.parties],
                                  [p.phone for p in case.parties], case.summary)
                if terms.get(case.id, set()) != want:
                    problems.append(f"{case.reference}: search terms differ "
                                    f"({len(terms.get(case.id, ()))} stored, {len(want)} expected)")
                events = db.session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case.id)
                                            .order_by(TimelineEvent.at, TimelineEvent.id)).all()
                own = [e for e in events if e.action != "absorbed"]
                if not own or own[0].action != "register" or own[-1].to_status != case.status:
                    problems.append(f"{case.reference}: timeline does not end in {case.status}")
                for a, b in zip(own, own[1:]):
                    if b.from_status != a.to_status or b.at < a.at:
                        problems.append(f"{case.reference}: {a.action}->{b.action} does not chain")
                        break
                for e in events:
                    if e.at > now:
                        problems.append(f"{case.reference}: event {e.action} in the future")
            db.session.rollback()  # refresh_deadlines changed nothing, but leave nothing pending
        print(f"{checked} sampled cases checked in {time.perf_counter() - started:.1f}s")

        # JSON columns as json.dumps writes them (SQLAlchemy's JSON type with default serializer).
        raw = db.session.execute(text(
            "SELECT details FROM timeline_events WHERE case_id BETWEEN :a AND :b"),
            {"a": ids[0], "b": ids[0] + 50}).scalars().all()
        raw += db.session.execute(text(
            "SELECT details FROM cases WHERE id BETWEEN :a AND :b UNION ALL "
            "SELECT risk_reasons FROM cases WHERE id BETWEEN :a AND :b"), {"a": ids[0], "b": ids[0] + 300}).scalars().all()
        for value in raw:
            if isinstance(value, str) and json.dumps(json.loads(value)) != value:
                problems.append(f"JSON not as json.dumps writes it: {value}")
                break

        started = time.perf_counter()
        flagged = overdue_sweep(now, town)
        print(f"overdue sweep: {flagged:,} cases flagged in {time.perf_counter() - started:.1f}s")
        if args.commit:
            db.session.commit()
        else:
            db.session.rollback()

        user = db.session.scalar(select(User).where(User.username == "supervisor"))
        saved = (user.password_hash, user.password_changed_at)
        user.set_password("bench-check-password")
        db.session.commit()
        reference = db.session.scalar(select(Case.reference).where(Case.id == ids[len(ids) // 2]))
    try:
        client = app.test_client()
        r = client.post("/login", data={"username": "supervisor", "password": "bench-check-password"})
        if r.status_code not in (302, 303):
            problems.append(f"login answered {r.status_code}")
        for url in ["/cases/", "/cases/?q=宅基地", "/cases/?q=漏水", "/cases/?status=in_mediation",
                    "/cases/?page=3", f"/cases/{reference}"]:
            started = time.perf_counter()
            r = client.get(url)
            print(f"GET {url} -> {r.status_code} in {time.perf_counter() - started:.2f}s")
            if r.status_code != 200:
                problems.append(f"GET {url} answered {r.status_code}")
    finally:
        with app.app_context():
            user = db.session.scalar(select(User).where(User.username == "supervisor"))
            user.password_hash, user.password_changed_at = saved
            db.session.commit()

    if problems:
        print(f"\n{len(problems)} problems:")
        for line in problems[:40]:
            print("  " + line)
        raise SystemExit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
