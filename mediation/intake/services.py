"""Registering a case: reference number, parties, first deadline, first timeline event; the
keyword rules that propose an imported row's category."""
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..auth.models import User
from ..cases.models import Case, Party, ReferenceCounter, TimelineEvent
from ..cases.risk import refresh_risk
from ..cases.search import index_case
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


def next_reference(town: Town, year: int) -> str:
    """Hand out the next number for the year inside the caller's transaction.

    One upsert: the first case of a year creates the counter row, later ones bump it. The
    row lock it takes makes concurrent registrations queue instead of reading the same value.
    """
    insert = postgresql_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    stmt = insert(ReferenceCounter).values(prefix=town.reference_prefix, year=year, last_value=1)
    stmt = stmt.on_conflict_do_update(index_elements=["prefix", "year"],
                                      set_={"last_value": ReferenceCounter.last_value + 1})
    number = db.session.execute(stmt.returning(ReferenceCounter.last_value)).scalar_one()
    return format_reference(town.reference_prefix, year, number)


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
    if data.external_ref:
        existing = db.session.scalar(select(Case.reference).where(
            Case.channel == data.channel, Case.external_ref == data.external_ref))
        if existing:
            raise DomainError("This channel reference is already registered as %(reference)s.",
                              field="external_ref", reference=existing)
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
    refresh_risk(case, now)
    # The number last: its upsert takes the write lock, held until the caller commits (on SQLite,
    # the whole database's), so the reads above happen before it.
    case.reference = next_reference(town, now.astimezone(town.tz).year)
    db.session.add(case)
    db.session.add(TimelineEvent(case=case, at=now, actor_id=user.id if user else None, action="register",
                                 from_status=None, to_status=Status.REGISTERED.value,
                                 details={"channel": data.channel, "external_ref": data.external_ref}))
    index_case(case)
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
