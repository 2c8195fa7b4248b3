"""Spreadsheet import: upload, preview (kept in the database), confirm in one transaction.

Nothing is written to cases until the batch is confirmed; the confirmation registers every
good row through `register_case` and commits once, so a failure half-way writes nothing.
Rows already registered on the channel (channel + external reference, the API's key) are
skipped, both at preview and again at confirmation. The preview proposes each row's category
(its category column, else the admin's keyword rules) and says why; the supervisor may choose
another per row, posted with the confirmation (`category-<row>`), and the case is registered,
and so later routed, with the chosen one.
"""
import copy
import logging
import os

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select, update

from ..organisation.models import Village
from ..auth import audit
from ..auth.permissions import may
from ..core.permissions import Page
from ..cases.models import Case
from ..core.errors import N_, DomainError
from ..db import utcnow
from ..extensions import db
from ..organisation.town import current_town
from .files import MAX_FILE_BYTES, MAX_ROWS, ImportRefused
from ..core.vocab import CATEGORIES
from .import_forms import ConfirmForm, DiscardForm, UploadForm
from .models import ImportBatch
from .rows import (
    FIELD_LABELS, HEADERS, REQUIRED, case_data, check_rows, choose_categories, counts, external_refs, mark_existing,
    read_sheet,
)
from .services import active_category_rules, register_case

log = logging.getLogger(__name__)

bp = Blueprint("imports", __name__, url_prefix="/intake/import")

RECENT_BATCHES = 10
IN_CHUNK = 500  # bound parameters per IN (...) query


def _require_registrar() -> None:
    if not may(current_user, Page.REGISTER):
        abort(403)


def _visible_batches():
    """The uploader's own batches; a supervisor sees everyone's."""
    stmt = select(ImportBatch)
    if not may(current_user, Page.SUPERVISION):
        stmt = stmt.where(ImportBatch.created_by_id == current_user.id)
    return stmt


def _batch_or_404(batch_id: int) -> ImportBatch:
    """404, not 403, for someone else's batch: its existence is not disclosed."""
    batch = db.session.scalars(_visible_batches().where(ImportBatch.id == batch_id)).first()
    if batch is None:
        abort(404)
    return batch


def _existing_references(channel: str, refs: list[str]) -> dict[str, str]:
    """external_ref -> case reference, for those already registered on `channel`."""
    found: dict[str, str] = {}
    for start in range(0, len(refs), IN_CHUNK):
        chunk = refs[start:start + IN_CHUNK]
        found.update(db.session.execute(
            select(Case.external_ref, Case.reference)
            .where(Case.channel == channel, Case.external_ref.in_(chunk))).tuples().all())
    return found


def _upload_page(form: UploadForm, status: int = 200):
    recent = db.session.scalars(_visible_batches().order_by(ImportBatch.id.desc()).limit(RECENT_BATCHES)).all()
    return render_template("intake/import_upload.html", form=form, recent=recent,
                           max_rows=MAX_ROWS, headers=HEADERS, field_labels=FIELD_LABELS,
                           required=REQUIRED), status


@bp.route("/", methods=["GET", "POST"])
@login_required
def upload():
    _require_registrar()
    form = UploadForm()
    if not form.validate_on_submit():
        return _upload_page(form, 422 if form.is_submitted() else 200)
    upload = form.file.data
    filename = os.path.basename((upload.filename or "").replace("\\", "/"))[:255]
    data = upload.read(MAX_FILE_BYTES + 1)
    try:
        sheet = read_sheet(filename, data)
    except ImportRefused as err:
        form.file.errors = list(form.file.errors) + [_(err.message, **err.params)]
        return _upload_page(form, 422)
    recognised = sheet.channel
    channel = form.channel.data or recognised
    if not channel:
        form.channel.errors = list(form.channel.errors) + [
            _("The channel could not be recognised from the column names; choose it.")]
        return _upload_page(form, 422)
    town, now = current_town(), utcnow()
    villages = {v.name: v.id for v in db.session.scalars(select(Village).order_by(Village.id))}
    rows = check_rows(sheet, villages=villages, tz=town.tz, now=now, rules=active_category_rules())
    mark_existing(rows, _existing_references(channel, external_refs(rows)))
    batch = ImportBatch(created_by_id=current_user.id, created_at=now, filename=filename or "-",
                        channel=channel, status="preview", rows=rows,
                        result={"header_row": sheet.header_row, "columns": sheet.column_names(),
                                "ignored_columns": sheet.ignored, "counts": counts(rows),
                                "recognised_channel": recognised, "channel_chosen": bool(form.channel.data)})
    db.session.add(batch)
    db.session.commit()
    log.info("import batch %s: %s rows from %r previewed by user %s", batch.id, len(rows), filename,
             current_user.id)
    return redirect(url_for("imports.batch", batch_id=batch.id), 303)


@bp.get("/<int(max=2147483647):batch_id>")
@login_required
def batch(batch_id: int):
    _require_registrar()
    return _preview_page(_batch_or_404(batch_id))


def _preview_page(batch: ImportBatch, problems: list[dict] | None = None, status: int = 200):
    rows = batch.rows or []
    villages = dict(db.session.execute(select(Village.id, Village.name)).tuples().all())
    sections = {status: [r for r in rows if r["status"] == status] for status in ("error", "skip", "ok")}
    return render_template("intake/import_preview.html", batch=batch, sections=sections,
                           counts=batch.result.get("counts") or counts(rows),
                           field_labels=FIELD_LABELS, villages=villages, categories=CATEGORIES,
                           problems=problems or [], confirm_form=ConfirmForm(),
                           discard_form=DiscardForm()), status


CHOICE_PREFIX = "category-"


def _chosen_categories() -> tuple[dict[int, str], list[dict]]:
    """The categories posted with the confirmation, {row number: category}, and the fields that name no row."""
    chosen, problems = {}, []
    for key, value in request.form.items(multi=False):
        if not key.startswith(CHOICE_PREFIX):
            continue
        number = key[len(CHOICE_PREFIX):]
        if number.isdigit() and len(number) <= 9:
            chosen[int(number)] = value.strip()
        else:
            problems.append({"message": N_("%(field)s is not a row of this import."), "params": {"field": key[:40]}})
    return chosen, problems


@bp.post("/<int(max=2147483647):batch_id>/confirm")
@login_required
def confirm(batch_id: int):
    _require_registrar()
    batch = _batch_or_404(batch_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("imports.batch", batch_id=batch.id), 303)
    rows = copy.deepcopy(batch.rows)  # a new object, so the JSON column sees the change
    chosen, problems = _chosen_categories()
    if batch.status == "preview":
        problems += choose_categories(rows, chosen)
    if problems:  # a tampered or stale form: say which row, register nothing
        db.session.rollback()
        return _preview_page(batch, problems, 422)
    # Claim the batch in the same transaction as the cases: a second confirmation (another
    # tab, another worker) finds it no longer in preview and does nothing.
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
        .values(status="confirmed")).rowcount
    if claimed != 1:
        db.session.rollback()
        flash(_("This import was already confirmed or discarded; nothing more was done."), "info")
        return back
    town, now = current_town(), utcnow()
    # Registered since the preview (by the API, by hand, by another import): skip those too.
    mark_existing(rows, _existing_references(batch.channel, external_refs(rows, ("ok",))))
    village_ids = set(db.session.scalars(select(Village.id)))
    created, skipped, at_row = [], [], None
    try:
        for row in rows:
            if row["status"] == "skip":
                skipped.append({"row": row["row"], "external_ref": row["data"]["external_ref"],
                                "reference": row["reference"]})
            elif row["status"] == "ok":
                at_row = row["row"]
                case = register_case(case_data(row, batch.channel, batch.id, village_ids), current_user,
                                     now=now, town=town)
                row["reference"] = case.reference
                created.append({"row": row["row"], "external_ref": case.external_ref,
                                "reference": case.reference})
        at_row = None
        batch.rows = rows
        batch.result = {**batch.result, "counts": counts(rows),
                        "created": created, "skipped": skipped, "confirmed_at": now.isoformat(),
                        "confirmed_by_id": current_user.id}
        audit.record("import", current_user, "import_batch", batch.id, created=len(created),
                     skipped=len(skipped), at=now, ip=request.remote_addr)
        db.session.commit()
    except DomainError as err:
        db.session.rollback()
        _record_failure(batch_id, at_row, err.message)
        flash(_("Row %(row)s: %(problem)s Nothing was imported.", row=at_row or "-",
                problem=_(err.message, **err.params)), "danger")
        return back
    except Exception as exc:  # any failure: roll everything back, say so, keep the preview
        db.session.rollback()
        log.exception("import batch %s failed at row %s; rolled back", batch_id, at_row)
        _record_failure(batch_id, at_row, type(exc).__name__)
        if at_row:
            flash(_("The import failed at row %(row)s; nothing was imported. Try again, or ask the "
                    "administrator.", row=at_row), "danger")
        else:
            flash(_("The import failed; nothing was imported. Try again, or ask the administrator."), "danger")
        return back
    flash(_("%(created)s cases registered, %(skipped)s skipped as already in the system.",
            created=len(created), skipped=len(skipped)), "success")
    return back


def _record_failure(batch_id: int, at_row, error: str) -> None:
    """A confirmation that wrote nothing is recorded too, in its own transaction."""
    try:
        audit.record("import_failed", current_user, "import_batch", batch_id, at=utcnow(), ip=request.remote_addr,
                     success=False, row=at_row, error=error)
        db.session.commit()
    except Exception:  # the failure itself is already logged; the page still answers
        db.session.rollback()
        log.exception("import batch %s: the failure could not be recorded", batch_id)


@bp.post("/<int(max=2147483647):batch_id>/discard")
@login_required
def discard(batch_id: int):
    _require_registrar()
    batch = _batch_or_404(batch_id)
    if not DiscardForm().validate_on_submit():
        abort(400)
    # The rows hold personal data: a discarded batch keeps only its counts.
    result = {**batch.result, "discarded_at": utcnow().isoformat(), "discarded_by_id": current_user.id}
    discarded = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
        .values(status="discarded", rows=[], result=result)).rowcount
    if discarded == 1:
        audit.record("import_discarded", current_user, "import_batch", batch_id, at=utcnow(), ip=request.remote_addr)
    db.session.commit()
    if discarded == 1:
        flash(_("The import was discarded; nothing was registered."), "info")
    else:
        flash(_("This import was already confirmed or discarded; nothing more was done."), "info")
    return redirect(url_for("imports.upload"), 303)
