"""Registering a case: reference number, parties, first deadline, first timeline event; the
keyword rules that propose an imported row's category."""
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, insert, inspect as sa_inspect, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..auth.models import User
from ..cases.models import Case, Party, ReferenceCounter, TimelineEvent
from ..cases.risk import refresh_risk_many
from ..cases.search import index_new_cases
from ..cases.services import refresh_deadlines
from ..core.cells import DEFAULT_CATEGORY_RULES
from ..core.addresses import address_key
from ..core.contact import ContactError, normal_phone, parse_id_number
from ..core.hotspots import party_name_key
from ..core.errors import DomainError
from ..core.identity import TYPED_MAX
from ..core.lifecycle import Status
from ..core.references import format_reference
from ..core.town import Town
from ..extensions import db
from .models import CategoryRule


@dataclass
class PartyData:
    """A party as given: `phone` and `id_number` as typed or sent; register_case reads them."""

    name: str
    role: str
    phone: str = ""
    id_number: str = ""
    address: str = ""
    ethnicity: str = ""  # 民族, as stated
    vulnerable: bool = False
    has_petitioned: bool = False


@dataclass
class CaseData:
    channel: str
    received_at: datetime
    category: str
    summary: str
    external_ref: str = ""
    village_id: int | None = None
    address: str = ""
    parties: list[PartyData] = field(default_factory=list)
    details: dict = field(default_factory=dict)  # channel-specific, kept verbatim
    channel_due_at: datetime | None = None
    amount: Decimal | None = None
    people_involved: int | None = None
    violence: bool = False
    content_hash: str | None = None


def next_references(town: Town, year: int, count: int) -> list[str]:
    """Hand out the next `count` numbers for the year inside the caller's transaction.

    One upsert: the first case of a year creates the counter row, later ones bump it by
    `count`. The row lock it takes makes concurrent registrations queue instead of reading
    the same value.
    """
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ReferenceCounter).values(prefix=town.reference_prefix, year=year, last_value=count)
    stmt = stmt.on_conflict_do_update(index_elements=["prefix", "year"],
                                      set_={"last_value": ReferenceCounter.last_value + count})
    last = db.session.execute(stmt.returning(ReferenceCounter.last_value)).scalar_one()
    return [format_reference(town.reference_prefix, year, number) for number in range(last - count + 1, last + 1)]


def _party(p: PartyData) -> Party:
    """The party with its phone and ID number in normal form beside what was typed. The edges
    (form, API, import) have checked both already and named the field; this is the last guard."""
    phone_typed, id_typed = (p.phone or "").strip(), (p.id_number or "").strip()
    if max(len(phone_typed), len(id_typed)) > TYPED_MAX:
        raise DomainError("A phone or ID number has at most %(limit)s characters.", field="parties", limit=TYPED_MAX)
    try:
        phone = normal_phone(phone_typed)
        id_number = parse_id_number(id_typed) if id_typed else None
    except ContactError as err:
        raise DomainError(err.message, field="parties") from None
    return Party(name=p.name.strip(), role=p.role, phone=phone, phone_typed=phone_typed or None,
                 id_number=id_number, id_number_typed=id_typed or None, address=p.address.strip() or None,
                 ethnicity=(p.ethnicity or "").strip() or None,
                 vulnerable=p.vulnerable, has_petitioned=p.has_petitioned, name_key=party_name_key(p.role, p.name))


def register_case(data: CaseData, user: User | None, *, now: datetime, town: Town) -> Case:
    """Register one case, or raise the DomainError that says why not; the case as stored, in the session."""
    (result,) = register_cases([data], user, now=now, town=town)
    if isinstance(result, DomainError):
        raise result
    return db.session.get(Case, result.id)


# Channel references asked about per statement (bound parameters per IN).
REFS_PER_QUERY = 500


def register_cases(items: list[CaseData], user: User | None, *, now: datetime,
                   town: Town) -> list[Case | DomainError]:
    """Register many cases in the caller's transaction, a fixed number of statements whatever
    their number (a few per 500 cases): one Case or one DomainError per item, in order. The
    Cases are as registered but not in the session (ids and references set): read them by id
    for more.

    An item is refused (its DomainError, nothing of it written) when its channel reference is
    registered already, or given twice in `items` (the second), when its received time is in
    the future, or when it has no party or a party's phone or ID number cannot be read; the
    other items are registered all the same. The caller commits or rolls back all of them.
    """
    results: list[Case | DomainError | None] = [None] * len(items)
    registered = _registered_references(items)
    seen: set[tuple[str, str]] = set()
    cases: list[Case] = []
    for n, data in enumerate(items):
        key = (data.channel, data.external_ref)
        try:
            if data.external_ref and (key in registered or key in seen):
                raise DomainError("This channel reference is already registered as %(reference)s.",
                                  field="external_ref", reference=registered.get(key, ""))
            case = _new_case(data, user, now=now, town=town)
        except DomainError as err:
            results[n] = err
            continue
        if data.external_ref:
            seen.add(key)
        results[n] = case
        cases.append(case)
    if not cases:
        return results
    # The numbers first: their upsert takes the write lock, held until the caller commits (on
    # SQLite, the whole database's), which makes the ids below safe to hand out.
    references = next_references(town, now.astimezone(town.tz).year, len(cases))
    # Ids given here, not by the INSERT: SQLite cannot hand back many rows' ids in order, so the
    # ORM would insert one row per statement; with the ids known it inserts them all at once.
    parties = [party for case in cases for party in case.parties]
    for case, reference, case_id in zip(cases, references, _new_ids(Case, len(cases))):
        case.reference, case.id = reference, case_id
    for party, party_id in zip(parties, _new_ids(Party, len(parties))):
        party.id, party.case_id = party_id, party.case.id
    refresh_risk_many(cases, now)  # with ids: the cases of the batch are evidence for each other
    events = [TimelineEvent(id=event_id, case_id=case.id, at=now, actor_id=user.id if user else None,
                            action="register", from_status=None, to_status=Status.REGISTERED.value,
                            details={"channel": case.channel, "external_ref": case.external_ref})
              for case, event_id in zip(cases, _new_ids(TimelineEvent, len(cases)))]
    for model, objects in ((Case, cases), (Party, parties), (TimelineEvent, events)):
        _insert(model, objects)
    index_new_cases(cases)
    return results


def _insert(model, objects: list) -> None:
    """INSERT the objects' rows in one ORM bulk statement (defaults applied as by the session),
    without the unit of work: a thousand new cases, their parties and events, need no change
    tracking. The objects stay out of the session; the rows are read back by id when wanted."""
    keys = [column.key for column in sa_inspect(model).column_attrs]
    db.session.execute(insert(model), [{key: obj.__dict__[key] for key in keys if key in obj.__dict__}
                                       for obj in objects])


def _new_ids(model, count: int) -> list[int]:
    """`count` unused primary keys of `model`'s table, in one statement. PostgreSQL: from its
    sequence. SQLite: after the largest, which is safe because the caller holds the database's
    write lock (next_references took it) until it commits."""
    if not count:
        return []
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        return list(db.session.scalars(text(
            "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count}))
    last = db.session.scalar(select(func.coalesce(func.max(table.c.id), 0)))
    return list(range(last + 1, last + 1 + count))


def _registered_references(items: list[CaseData]) -> dict[tuple[str, str], str]:
    """(channel, external reference) -> case reference, for the items' references already registered."""
    by_channel: dict[str, set[str]] = {}
    for data in items:
        if data.external_ref:
            by_channel.setdefault(data.channel, set()).add(data.external_ref)
    return {(channel, external_ref): reference
            for channel, refs in by_channel.items()
            for external_ref, (reference, _details) in registered_on(channel, refs).items()}


def registered_on(channel: str, refs: Iterable[str]) -> dict[str, tuple[str, dict]]:
    """external reference -> (case reference, case details), for those of `refs` already
    registered on `channel`: REFS_PER_QUERY references to a statement."""
    refs = sorted(set(refs))
    found: dict[str, tuple[str, dict]] = {}
    for start in range(0, len(refs), REFS_PER_QUERY):
        for external_ref, reference, details in db.session.execute(
                select(Case.external_ref, Case.reference, Case.details).where(
                    Case.channel == channel, Case.external_ref.in_(refs[start:start + REFS_PER_QUERY]))):
            found[external_ref] = (reference, details or {})
    return found


def _new_case(data: CaseData, user: User | None, *, now: datetime, town: Town) -> Case:
    """The case as registered, not yet added to the session; DomainError when it cannot be."""
    if data.received_at > now:
        raise DomainError("The received time cannot be in the future.", field="received_at")
    if not data.parties:
        raise DomainError("Add at least one party.", field="parties")
    case = Case(
        channel=data.channel, external_ref=data.external_ref or None,
        received_at=data.received_at, registered_at=now,
        registered_by_id=user.id if user else None,
        intake_office_id=user.office_id if user else None,
        category=data.category, summary=data.summary.strip(), village_id=data.village_id,
        address=data.address.strip(), address_key=address_key(data.address), status=Status.REGISTERED.value,
        details=data.details or {}, channel_due_at=data.channel_due_at, amount=data.amount,
        people_involved=data.people_involved, violence=data.violence, content_hash=data.content_hash,
    )
    case.parties = [_party(p) for p in data.parties]
    refresh_deadlines(case, town)
    return case


# --------------------------------------------------------------------------------------------
# Category keyword rules
# --------------------------------------------------------------------------------------------

def load_default_category_rules() -> int:
    """Load core.cells.DEFAULT_CATEGORY_RULES into an empty rule list (the migration seeds the
    same); returns how many were created, 0 when rules exist already."""
    if db.session.scalar(select(CategoryRule.id).limit(1)) is not None:
        return 0
    db.session.add_all(CategoryRule(position=n * 10, keywords=keywords, category=category, active=True)
                       for n, (keywords, category) in enumerate(DEFAULT_CATEGORY_RULES, start=1))
    db.session.flush()
    return len(DEFAULT_CATEGORY_RULES)


def active_category_rules() -> list[tuple[str, str]]:
    """The active rules as (keywords, category), in the order they are tried (core.cells.match_keywords)."""
    return [r.as_rule() for r in db.session.scalars(
        select(CategoryRule).where(CategoryRule.active.is_(True)).order_by(CategoryRule.position, CategoryRule.id))]
