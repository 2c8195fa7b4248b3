"""The statements the queue, the search and the overdue sweep really issue go through their
indexes, on SQLite and on PostgreSQL. The statements are captured from real requests and job
runs, then explained with their own parameters. (PostgreSQL prefers a sequential scan of a
table this small, so there the plan is asked for with sequential scans disabled: the question
is whether an index serves the statement, not what the planner picks for ten rows.)"""
from contextlib import contextmanager
from datetime import datetime, timezone

import pytest
from sqlalchemy import event

from mediation.core.lifecycle import Status
from mediation.jobs import sweeps
from mediation.organisation.town import current_town


@contextmanager
def captured(db):
    statements = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def plan_of(db, statement, parameters, off=("enable_seqscan",)) -> str:
    with db.engine.connect() as conn:
        raw = conn.connection.driver_connection
        cursor = raw.cursor()
        if db.engine.dialect.name == "postgresql":
            for setting in off:
                cursor.execute(f"SET {setting} = off")
            cursor.execute("EXPLAIN " + statement, parameters)
            lines = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            lines = [row[-1] for row in cursor.fetchall()]
        cursor.close()
        conn.rollback()
    return "\n".join(lines)


def the(statements, *needles):
    found = [(s, p) for s, p in statements if all(n in s for n in needles)]
    assert found, f"no statement with {needles}"
    return found[0]


def test_the_plan_reader_can_fail(db):
    assert "ix_cases_queue" not in plan_of(db, "SELECT id FROM cases WHERE summary = 'x'", ())


@pytest.mark.parametrize("query, index", [
    ("scope=all", "ix_cases_queue"),
    ("scope=all&village=1", "ix_cases_queue_village_id"),
    ("scope=all&status=in_mediation", "ix_cases_queue_status"),
])
def test_queue_page_uses_its_index(client, db, users, login, make_case, query, index):
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    with captured(db) as statements:
        assert client.get(f"/cases/?{query}").status_code == 200
    # Sorting off too: the question is whether an index serves the order as well as the filter.
    plan = plan_of(db, *the(statements, "ORDER BY coalesce"), off=("enable_seqscan", "enable_bitmapscan", "enable_sort"))
    # PostgreSQL may serve a filter from the general queue index (an index scan either way).
    assert (index if db.engine.dialect.name == "sqlite" else "Index Scan using ix_cases_queue") in plan, plan
    assert "SCAN cases\n" not in plan + "\n" and "Sort" not in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.parametrize("who, query, index", [
    ("supervisor", "scope=all", ("ix_cases_queue_status", "ix_cases_status", "ix_cases_status_next_deadline",
                                 "ix_cases_status_lead_office")),
    ("supervisor", "scope=all&village=1", ("ix_cases_village_status",)),
    ("mediator", "scope=mine", ("ix_cases_mediator_status",)),
])
def test_the_queue_counts_use_an_index(client, db, users, login, make_case, who, query, index):
    """The capped count of the open cases and the counts per status: read off an index, never by
    walking every case (NOT IN, or the visibility clause's ORs, would)."""
    make_case(Status.IN_MEDIATION)
    login(users[who])
    with captured(db) as statements:
        assert client.get(f"/cases/?{query}").status_code == 200
    counts = [(st, p) for st, p in statements if "FROM (SELECT cases.id" in st and st.startswith("SELECT count(*)")
              or "AS registered" in st]
    assert len(counts) == 2, [st for st, _ in counts]
    for statement, parameters in counts:
        plan = plan_of(db, statement, parameters)
        if db.engine.dialect.name == "sqlite":
            assert any(i in plan for i in index) and "SCAN cases\n" not in plan + "\n", plan
        else:
            assert "Seq Scan on cases" not in plan, plan


def test_search_walks_the_terms_index(client, db, users, login, make_case):
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    with captured(db) as statements:
        assert client.get("/cases/?q=张三&scope=all").status_code == 200
    plan = plan_of(db, *the(statements, "case_search_terms", "ORDER BY"))
    expected = "pk_case_search_terms" if db.engine.dialect.name == "postgresql" else "PRIMARY KEY"
    assert expected in plan or "sqlite_autoindex_case_search_terms" in plan, plan
    assert "SCAN case_search_terms" not in plan and "Seq Scan on case_search_terms" not in plan, plan


def test_overdue_sweep_update_uses_deadline_and_flag_indexes(db, make_case):
    make_case(Status.IN_MEDIATION)
    with captured(db) as statements:
        sweeps.overdue_sweep(datetime(2026, 11, 25, tzinfo=timezone.utc), current_town())
    plan = plan_of(db, *the(statements, "UPDATE cases"))
    assert "ix_cases_next_deadline" in plan and "ix_cases_due_state" in plan, plan


def test_the_dashboards_open_cases_per_office_read_an_index(client, db, users, login, make_case):
    make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    with captured(db) as statements:
        assert client.get("/supervision/").status_code == 200
    plan = plan_of(db, *the(statements, "GROUP BY cases.lead_office_id, cases.status"))
    if db.engine.dialect.name == "sqlite":
        assert "ix_cases_status_lead_office" in plan, plan
    else:
        assert "Seq Scan on cases" not in plan, plan


def test_duplicate_suggestions_read_the_villages_newest_off_its_index(client, db, users, login, make_case):
    """The case page's duplicate candidates: the village's newest in the window, walked backwards
    along (village, received) and stopped at the limit, not every case of a busy village sorted."""
    case = make_case(Status.IN_MEDIATION)
    login(users["supervisor"])
    with captured(db) as statements:
        assert client.get(f"/cases/{case.reference}").status_code == 200
    plan = plan_of(db, *the(statements, "AS rank", "ORDER BY cases.received_at DESC"),
                   off=("enable_seqscan", "enable_bitmapscan", "enable_sort"))
    if db.engine.dialect.name == "sqlite":
        assert "ix_cases_village_received" in plan, plan
        assert "TEMP B-TREE FOR ORDER BY" not in plan.split("ix_cases_village_received")[1].split("\n")[0], plan
    else:
        # The village's branch: its LIMIT fed straight by an index walked backwards in received order
        # (on a table of a few rows the planner may take (received) and filter the village; at a
        # million cases it takes (village, received): bench/RESULTS.md), never by a sort.
        assert "->  Limit" in plan, plan
        branch = plan.rsplit("->  Limit", 1)[1]  # the inner LIMIT and what feeds it
        assert "Sort" not in branch, plan
        assert any(f"Index Scan Backward using {index}" in branch
                   for index in ("ix_cases_village_received", "ix_cases_received_at")), plan
