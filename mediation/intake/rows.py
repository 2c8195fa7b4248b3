"""What the rows of a 12345 work-order export, a grid-patrol list or a 解纷 platform export say:
which column gives which field, which channel the columns point to, whether each row can be
registered (and if not, why), the category proposed for it and why, and the CaseData to register it.

The view hands in the file's rows, the town's villages, its time zone and `now`, and stores
what comes back (plain JSON: strings, numbers, ISO times) on an ImportBatch, so any web worker
can confirm what another one previewed. Messages are English msgids with parameters; the edge
translates them. Cell values are read by `core.cells`, phone and ID numbers by `core.contact` (as the
form and the API read them).
"""
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo

from ..core.cells import (
    DEFAULT_CATEGORY_RULES, OTHER, CategoryProposal, CategorySource, CellError, Match, category_of, cell_text,
    parse_when, propose_category, squash, village_of, work_order_type_of,
)
from ..core.contact import ContactError, parse_id_number, parse_phone
from ..core.errors import N_
from ..core.identity import TYPED_MAX
from ..core.vocab import CATEGORIES, PartyRole
from .files import HEADER_SCAN_ROWS, MAX_ROWS, TOO_MANY_ROWS, ImportRefused, RawRows, read_rows
from .services import CaseData, PartyData

# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------

# Each field and the column names it is known by, most specific first: when a file has two
# columns for one field (编号 and 工单编号), the earlier name in this list wins. Three layouts are
# known: a 12345 work-order export (工单编号, 来电时间, 诉求类型, 诉求内容, 来电人, 来电号码, 事发地址,
# 所属村居, 办结时限), a grid-patrol list (事件编号, 上报时间, 事件描述, 当事人, 联系电话, 事发地点,
# 所属网格 or 所属村(社区), 事件类型) and a 解纷 platform export (申请编号, 申请时间, 纠纷类型, 纠纷描述,
# 申请人, 申请人电话, 被申请人, 被申请人电话, 所在村居).
HEADERS: dict[str, tuple[str, ...]] = {
    "external_ref": ("工单编号", "工单号", "网格事件编号", "事件编号", "申请编号", "案件编号", "平台编号", "编号"),
    "received_at": ("来电时间", "受理时间", "上报时间", "申请时间", "发现时间", "登记时间"),
    "summary": ("诉求内容", "事件描述", "纠纷描述", "纠纷简要情况", "问题描述", "诉求描述", "简要案情", "内容"),
    "name": ("联系人", "来电人", "当事人", "申请人", "申请人姓名", "姓名"),
    "phone": ("联系电话", "来电号码", "申请人电话", "申请人联系电话", "申请人手机号", "手机号", "手机号码", "手机",
              "联系方式", "电话"),
    "id_number": ("身份证号码", "身份证号", "申请人身份证号", "申请人身份证号码", "公民身份号码", "证件号码", "身份证"),
    "address": ("事发地址", "事发地点", "纠纷发生地", "发生地点", "地址"),
    "village": ("所属村居", "所在村居", "所属村(居)", "所在村(居)", "所属村(社区)", "所在村(社区)", "村居", "村(居)",
                "村(社区)", "所属社区", "村"),
    "grid": ("所属网格", "网格名称", "网格"),
    # The dispute category (MoJ), when the file has a column for it; else the keyword rules read
    # the summary (core.cells.propose_category).
    "category": ("纠纷类型", "矛盾类型", "纠纷类别", "矛盾纠纷类型", "案件类别", "事件类型", "类别"),
    # 12345: 咨询 / 求助 / 投诉 / 建议, not a dispute category: Case.details["work_order_type"],
    # which the reply deadline reads
    "work_order_type": ("诉求类型", "诉求类别", "工单类型"),
    "due": ("办结时限", "办理时限", "截止时间", "截止日期"),
    "respondent_name": ("被申请人", "被申请人姓名", "对方当事人"),
    "respondent_phone": ("被申请人电话", "被申请人联系电话", "被申请人手机号", "对方电话"),
}
REQUIRED = ("external_ref", "received_at", "summary", "name")

FIELD_LABELS = {
    "external_ref": N_("Channel reference"),
    "received_at": N_("Received at"),
    "summary": N_("What the dispute is about"),
    "name": N_("Applicant"),
    "phone": N_("Phone"),
    "id_number": N_("ID number"),
    "address": N_("Address where it happened"),
    "village": N_("Village or community"),
    "grid": N_("Grid"),
    "category": N_("Category"),
    "work_order_type": N_("Work-order type"),
    "due": N_("Channel's due date"),
    "respondent_name": N_("Respondent"),
    "respondent_phone": N_("Respondent's phone"),
}

# Column names that tell which channel a file comes from, for proposing the upload's channel.
CHANNEL_SIGNS: dict[str, tuple[str, ...]] = {
    "hotline_12345": ("工单编号", "工单号", "来电时间", "来电人", "来电号码", "诉求类型", "诉求类别", "工单类型",
                      "诉求内容", "办结时限"),
    "grid_patrol": ("网格事件编号", "事件编号", "上报时间", "事件描述", "所属网格", "网格名称", "网格", "事件类型",
                    "网格员"),
    "dispute_platform": ("申请编号", "申请时间", "申请人", "申请人电话", "被申请人", "被申请人电话", "纠纷描述",
                         "纠纷简要情况"),
}

LIMITS = {"external_ref": 64, "name": 64, "address": 255, "summary": 4000, "respondent_name": 64, "grid": 64}


def normalize_header(value) -> str:
    """'所属村（社区）', ' 联系 电话* ' and '联系电话：' all come out as the plain name."""
    return squash(value).strip("*:").lower()


_HEADER_INDEX = {normalize_header(name): (fld, rank)
                 for fld, names in HEADERS.items() for rank, name in enumerate(names)}
_HEADER_INDEX.update({fld: (fld, -1) for fld in HEADERS})  # the field's own name, e.g. external_ref


def map_headers(headers: list) -> tuple[dict[str, int], list[str]]:
    """Which column gives which field, and the column names that give none."""
    best: dict[str, tuple[int, int]] = {}  # field -> (rank, column)
    ignored = []
    for column, header in enumerate(headers):
        hit = _HEADER_INDEX.get(normalize_header(header))
        if hit is None:
            if cell_text(header):
                ignored.append(cell_text(header))
            continue
        fld, rank = hit
        if fld in best and best[fld][0] <= rank:
            ignored.append(cell_text(header))
            continue
        if fld in best:
            ignored.append(cell_text(headers[best[fld][1]]))
        best[fld] = (rank, column)
    return {fld: column for fld, (rank, column) in best.items()}, ignored


_CHANNEL_SIGNS = {channel: {normalize_header(n) for n in names} for channel, names in CHANNEL_SIGNS.items()}


def recognise_channel(headers: list) -> str | None:
    """The channel whose column names the file has most of (at least two, and more than any other's), else None."""
    names = {normalize_header(h) for h in headers if cell_text(h)}
    scores = sorted(((len(names & signs), channel) for channel, signs in _CHANNEL_SIGNS.items()), reverse=True)
    (best, channel), (second, _other) = scores[0], scores[1]
    return channel if best >= 2 and best > second else None


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------

@dataclass
class Sheet:
    """The file's table: where the column names are, which field each column gives, the rows."""

    header_row: int
    headers: list[str]
    columns: dict[str, int]
    ignored: list[str]
    rows: RawRows = field(default_factory=list)

    @property
    def channel(self) -> str | None:
        """The channel the column names point to (recognise_channel), if any."""
        return recognise_channel(self.headers)

    def column_names(self) -> dict[str, str]:
        """field -> the column name in the file, for the preview."""
        return {fld: self.headers[column] for fld, column in sorted(self.columns.items(), key=lambda i: i[1])}


def read_sheet(filename: str, data: bytes) -> Sheet:
    """Read an .xlsx or .csv upload; raise ImportRefused with the reason when it cannot be used."""
    return find_table(read_rows(filename, data))


def find_table(raw: RawRows) -> Sheet:
    """The first of the top rows that names every required column is the header; the rest are data."""
    if not raw:
        raise ImportRefused(N_("The file has no rows."))
    best: dict[str, int] = {}
    for index, (number, values) in enumerate(raw[:HEADER_SCAN_ROWS]):
        columns, ignored = map_headers(values)
        if all(f in columns for f in REQUIRED):
            sheet = Sheet(header_row=number, headers=[cell_text(v) for v in values], columns=columns,
                          ignored=ignored, rows=raw[index + 1:])
            if not sheet.rows:
                raise ImportRefused(N_("The file has column names but no rows below them."))
            if len(sheet.rows) > MAX_ROWS:
                raise ImportRefused(TOO_MANY_ROWS, limit=MAX_ROWS)
            return sheet
        if len(columns) > len(best):
            best = columns
    missing = [f for f in REQUIRED if f not in best]
    raise ImportRefused(
        N_("The columns %(columns)s were not found. The first row must hold the column names, "
           "for example 工单编号, 来电时间, 诉求内容, 联系人."),
        columns="; ".join(" / ".join(HEADERS[f][:3]) for f in missing))


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

def _msg(message: str, **params) -> dict:
    return {"message": message, "params": params}


def _local(when: datetime, tz: tzinfo) -> str:
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


@dataclass
class _Row:
    """One row being checked: its values, and the data, problems and notes found so far."""

    values: list
    columns: dict[str, int]
    data: dict = field(default_factory=dict)
    problems: list[dict] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)

    def cell(self, fld: str):
        column = self.columns.get(fld)
        return self.values[column] if column is not None and column < len(self.values) else None

    def problem(self, message: str, **params) -> None:
        self.problems.append(_msg(message, **params))


def check_rows(sheet: Sheet, *, villages: dict[str, int], tz: tzinfo, now: datetime,
               rules: Sequence[tuple] = ()) -> list[dict]:
    """Every data row as a JSON-ready dict: its number, status ('ok' or 'error'), problems,
    notes and the values to register. Later rows repeating a reference are errors. `rules` are
    the category keyword rules as (keywords, category), in order (core.cells.match_keywords)."""
    first_seen: dict[str, int] = {}
    names = sheet.column_names()
    out = []
    for number, values in sheet.rows:
        row = check_row(number, values, sheet.columns, villages=villages, tz=tz, now=now, names=names, rules=rules)
        ref = row["data"]["external_ref"]
        if ref:
            if ref in first_seen:
                row["problems"].append(_msg(N_("Same channel reference as row %(row)s; only the first is imported."),
                                            row=first_seen[ref]))
                row["status"] = "error"
            else:
                first_seen[ref] = number
        out.append(row)
    return out


def check_row(number: int, values: list, columns: dict[str, int], *, villages: dict[str, int],
              tz: tzinfo, now: datetime, names: dict[str, str] | None = None, rules: Sequence[tuple] = ()) -> dict:
    """One row; `names` are the file's column names, quoted in messages (the user's own words)."""
    row = _Row(values, columns)
    names = names or {}
    _check_texts(row, names)
    _check_received(row, tz, now)
    _check_due(row, tz)
    _check_contact(row, names)
    _check_respondent(row, names)
    _check_category(row, rules, names)
    _check_work_order_type(row)
    _check_village(row, villages)
    return {"row": number, "status": "error" if row.problems else "ok", "problems": row.problems,
            "notes": row.notes, "data": row.data, "reference": None}


def _check_texts(row: _Row, names: dict[str, str]) -> None:
    row.data["external_ref"] = squash(row.cell("external_ref"))
    for fld in ("name", "summary", "address", "grid", "respondent_name"):
        row.data[fld] = cell_text(row.cell(fld))
    for fld, message in (("external_ref", N_("The channel reference is missing.")),
                         ("name", N_("The applicant's name is missing.")),
                         ("summary", N_("What the dispute is about is missing."))):
        if not row.data[fld]:
            row.problem(message)
    for fld, limit in LIMITS.items():
        if len(row.data[fld]) > limit:
            row.problem(N_("%(column)s is longer than %(limit)s characters."), column=names.get(fld, fld), limit=limit)


def _check_received(row: _Row, tz: tzinfo, now: datetime) -> None:
    raw = row.cell("received_at")
    row.data["received_text"] = cell_text(raw)
    row.data["received_at"] = None
    if not row.data["received_text"]:
        row.problem(N_("The received time is missing."))
        return
    try:
        received = parse_when(raw, tz)
    except CellError:
        row.problem(N_("The received time %(value)s is not a date and time."), value=row.data["received_text"])
        return
    if received > now:
        row.problem(N_("The received time %(value)s is in the future."), value=_local(received, tz))
    row.data["received_at"] = received.isoformat()
    row.data["received_text"] = _local(received, tz)


def _check_due(row: _Row, tz: tzinfo) -> None:
    raw = row.cell("due")
    row.data["channel_due_at"] = None
    if not cell_text(raw):
        return
    try:
        due = parse_when(raw, tz, end_of_day=True)
    except CellError:
        row.problem(N_("The due date %(value)s is not a date."), value=cell_text(raw))
        return
    if row.data["received_at"] and due < datetime.fromisoformat(row.data["received_at"]):
        row.problem(N_("The due date %(value)s is before the received time."), value=_local(due, tz))
    row.data["channel_due_at"] = due.isoformat()


def _numeric(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def phone_as_typed(value) -> str:
    """A phone cell as text. A landline saved as a number has lost its leading 0 (02159591234
    reads 2159591234): no other number has 9 to 11 digits without a leading 0 or 1."""
    text = cell_text(value)
    if _numeric(value) and text.isdigit() and 9 <= len(text) <= 11 and text[0] not in "01":
        return "0" + text
    return text


def clean_phone(value) -> tuple[str, dict | None, dict | None]:
    """(normal form, problem, note), read by core.contact as the form and the API read it.
    A masked number (138****5678) is useless: left empty with a note."""
    typed = phone_as_typed(value)
    if not typed:
        return "", None, None
    if "*" in unicodedata.normalize("NFKC", typed):
        return "", None, _msg(N_("The phone number is masked in the file (%(value)s); left empty."),
                              value=squash(typed))
    try:
        return parse_phone(typed).normal, None, None
    except ContactError as err:
        # `reason` is a msgid too: the preview translates it (import_macros.messages)
        return "", _msg(N_("The phone number %(value)s was not taken: %(reason)s"), value=typed,
                        reason=err.message), None


def clean_id_number(value) -> tuple[str, dict | None, None]:
    """(18-character normal form, problem, no note), read by core.contact; 15 digits are widened."""
    typed = cell_text(value)
    if not typed:
        return "", None, None
    if _numeric(value) and len(typed) > 15:  # a float keeps 15 digits: the rest are gone
        return "", _msg(N_("The ID number %(value)s was saved as a number, which loses its last digits; "
                           "format the column as text and export again."), value=typed), None
    try:
        return parse_id_number(typed), None, None
    except ContactError as err:
        return "", _msg(N_("The ID number %(value)s was not taken: %(reason)s"), value=typed,
                        reason=err.message), None


def map_category(value: str, rules: Sequence[tuple] = DEFAULT_CATEGORY_RULES) -> tuple[str, dict | None]:
    """The MoJ category for a channel's type, and a note when it had to be guessed or defaulted."""
    category, match = category_of(value, rules)
    if match == Match.GUESSED:
        return category, _msg(N_("Type %(value)s recorded as category %(category)s."), value=value, category=category)
    if match == Match.UNKNOWN:
        return category, _msg(N_("Type %(value)s is not a known category; recorded as %(category)s."),
                              value=value, category=OTHER)
    return category, None


def category_reason(proposal: CategoryProposal, column: str = "") -> dict:
    """Why a row is proposed its category, as the preview shows it beside the category."""
    if proposal.source == CategorySource.COLUMN:
        return _msg(N_("Column %(column)s"), column=column)
    if proposal.source == CategorySource.COLUMN_KEYWORD:
        return _msg(N_("Column %(column)s: keyword %(keyword)s → %(category)s"), column=column,
                    keyword=proposal.keyword, category=proposal.category)
    if proposal.source == CategorySource.KEYWORD:
        return _msg(N_("Keyword %(keyword)s → %(category)s"), keyword=proposal.keyword, category=proposal.category)
    return _msg(N_("No match → %(category)s"), category=proposal.category)


def chosen_reason(proposed: str) -> dict:
    return _msg(N_("Chosen in the preview (proposed: %(proposed)s)"), proposed=proposed)


def match_village(value: str, address: str, villages: dict[str, int]) -> tuple[int | None, dict | None]:
    """The village a row names ('小庙村', '小庙', '徐行镇小庙村村委会'), else the one its address names."""
    try:
        return village_of(value, address, villages), None
    except CellError:
        return None, _msg(N_("Village %(value)s is not one of the town's; left empty."), value=value)


def _add(row: _Row, problem: dict | None = None, note: dict | None = None) -> None:
    row.problems += [problem] if problem else []
    row.notes += [note] if note else []


def _check_contact(row: _Row, names: dict[str, str]) -> None:
    """Phone and ID number in normal form, and as typed (kept beside it on the party)."""
    for fld, as_typed, clean in (("phone", phone_as_typed, clean_phone), ("id_number", cell_text, clean_id_number)):
        typed = as_typed(row.cell(fld))
        if len(typed) > TYPED_MAX:
            row.problem(N_("%(column)s is longer than %(limit)s characters."), column=names.get(fld, fld),
                        limit=TYPED_MAX)
            normal = ""
        else:
            normal, problem, note = clean(row.cell(fld))
            _add(row, problem, note)
        row.data[fld], row.data[fld + "_typed"] = normal, typed if normal else ""


def _check_respondent(row: _Row, names: dict[str, str]) -> None:
    """The platform's 被申请人 and their phone: a second party, the respondent."""
    typed = phone_as_typed(row.cell("respondent_phone"))
    row.data["respondent_phone"] = ""
    if not typed:
        return
    if len(typed) > TYPED_MAX:
        row.problem(N_("%(column)s is longer than %(limit)s characters."),
                    column=names.get("respondent_phone", "respondent_phone"), limit=TYPED_MAX)
        return
    if not row.data["respondent_name"]:
        row.notes.append(_msg(N_("%(column)s is given without the respondent's name; left out."),
                              column=names.get("respondent_phone", "respondent_phone")))
        return
    normal, problem, note = clean_phone(row.cell("respondent_phone"))
    _add(row, problem, note)
    row.data["respondent_phone"] = typed if normal else ""


def _check_category(row: _Row, rules: Sequence[tuple], names: dict[str, str]) -> None:
    """The category column when it names a category, else the keyword rules over the summary, else 其他;
    and why, for the preview (where a supervisor may choose another before confirming)."""
    raw = cell_text(row.cell("category"))
    proposal = propose_category(raw, row.data["summary"], rules)
    row.data["category"] = row.data["proposed_category"] = proposal.category
    row.data["category_reason"] = category_reason(proposal, names.get("category", ""))
    row.data["channel_category"] = raw
    if proposal.unknown_column_value:
        row.notes.append(_msg(N_("Type %(value)s is not a known category; recorded as %(category)s."),
                              value=raw, category=proposal.category))


def _check_work_order_type(row: _Row) -> None:
    """12345's 诉求类型: 咨询, 求助, 投诉 or 建议 (the reply deadline's variant); anything else is said."""
    raw = cell_text(row.cell("work_order_type"))
    found, exact = work_order_type_of(raw)
    row.data["work_order_type"] = found
    if raw and not found:
        row.notes.append(_msg(N_("Work-order type %(value)s is not one of 咨询, 求助, 投诉, 建议; not recorded, "
                                 "so the usual 12345 reply deadline applies."), value=raw))
    elif raw and not exact:
        row.notes.append(_msg(N_("Work-order type %(value)s recorded as %(type)s."), value=raw, type=found))


def _check_village(row: _Row, villages: dict[str, int]) -> None:
    """The village column, else the village a grid's name or the address names."""
    raw = cell_text(row.cell("village"))
    where = " ".join(filter(None, (row.data["grid"], row.data["address"])))
    row.data["village_id"], note = match_village(raw, where, villages)
    row.data["village_text"] = raw
    _add(row, note=note)


# --------------------------------------------------------------------------------------------
# The batch
# --------------------------------------------------------------------------------------------

def mark_existing(rows: list[dict], existing: dict[str, str]) -> None:
    """Rows whose reference is already registered on the channel are skipped (as the API does)."""
    for row in rows:
        reference = existing.get(row["data"]["external_ref"])
        if reference and row["status"] != "skip":
            row["status"], row["reference"] = "skip", reference


def choose_categories(rows: list[dict], chosen: dict[int, str]) -> list[dict]:
    """Apply the categories a supervisor chose in the preview ({row number: category}) to the rows
    to be registered; a choice equal to the proposal changes nothing. Returns the problems (a
    value that is no category, a row that is not to be registered) and then changes no row."""
    to_register = {r["row"]: r for r in rows if r["status"] == "ok"}
    problems = [_msg(N_("Row %(row)s: %(value)s is not a category."), row=number, value=value[:32])
                for number, value in sorted(chosen.items()) if value not in CATEGORIES]
    problems += [_msg(N_("Row %(row)s is not to be registered; its category cannot be chosen."), row=number)
                 for number in sorted(chosen) if number not in to_register]
    if problems:
        return problems
    for number, category in chosen.items():
        data = to_register[number]["data"]
        proposed = data.get("proposed_category", data["category"])
        data["category"] = category
        if category != proposed:
            data["category_reason"] = chosen_reason(proposed)
    return []


def counts(rows: list[dict]) -> dict[str, int]:
    return {"create": sum(r["status"] == "ok" for r in rows),
            "skip": sum(r["status"] == "skip" for r in rows),
            "refuse": sum(r["status"] == "error" for r in rows)}


def external_refs(rows: list[dict], statuses: tuple[str, ...] = ("ok", "error")) -> list[str]:
    return sorted({r["data"]["external_ref"] for r in rows if r["status"] in statuses and r["data"]["external_ref"]})


def case_details(row: dict, batch_id: int) -> dict:
    """What the channel sent beyond the common fields, for Case.details (the keys the API uses, which
    the case page labels), and where the case came from (import_batch, import_row, channel_category:
    provenance, which the case page does not show)."""
    data = row["data"]
    details = {"import_batch": batch_id, "import_row": row["row"]}
    # "order_type": batches previewed before the field took the name the deadlines read
    work_order_type = data.get("work_order_type") or data.get("order_type")
    if work_order_type:
        details["work_order_type"] = work_order_type
    if data.get("grid"):
        details["grid_id"] = data["grid"]
    if data.get("channel_category") and data["channel_category"] != data["category"]:
        details["channel_category"] = data["channel_category"]
    return details


def case_data(row: dict, channel: str, batch_id: int, village_ids: set[int]) -> CaseData:
    """A checked row, as `register_case` takes it; a village deleted since the preview is dropped."""
    data = row["data"]
    return CaseData(
        channel=channel, external_ref=data["external_ref"],
        received_at=datetime.fromisoformat(data["received_at"]), category=data["category"],
        summary=data["summary"], address=data["address"],
        village_id=data["village_id"] if data["village_id"] in village_ids else None,
        channel_due_at=datetime.fromisoformat(data["channel_due_at"]) if data["channel_due_at"] else None,
        # phones and IDs as typed, normalised again by register_case; a batch previewed before the
        # typed forms were kept has none
        parties=parties(data), details=case_details(row, batch_id))


def parties(data: dict) -> list[PartyData]:
    """The applicant, and the respondent when the file names one (the platform's 被申请人)."""
    found = [PartyData(name=data["name"], role=PartyRole.APPLICANT.value, phone=data.get("phone_typed", data["phone"]),
                       id_number=data.get("id_number_typed", ""))]
    if data.get("respondent_name"):
        found.append(PartyData(name=data["respondent_name"], role=PartyRole.RESPONDENT.value,
                               phone=data.get("respondent_phone", "")))
    return found
