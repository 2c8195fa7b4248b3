"""Spreadsheet import: upload, preview (kept in the database), confirm in chunks.

Nothing is written to cases until the batch is confirmed. The confirmation registers the good
rows through `register_cases`, CHUNK_ROWS to a transaction, so that a file of 50,000 rows never
holds the write lock for long; a failure rolls back its chunk and returns the batch to preview,
saying how many were registered before it, and confirming again registers the rest: rows
already registered on the channel (channel + external reference, the API's key) are skipped,
both at preview and again at confirmation. A row refused at the last moment (a rule the
preview could not check) is refused alone, and named. The preview proposes each row's category
(its category column, else the admin's keyword rules) and says why; the supervisor may choose
another per row, posted with the confirmation (`category-<row>`), and the case is registered,
and so later routed, with the chosen one.
"""
import logging
import os
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select, update

from ..organisation.models import Village
from ..auth import audit
from ..auth.permissions import may
from ..core.permissions import Page
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
from .services import active_category_rules, register_cases, registered_on

log = logging.getLogger(__name__)

bp = Blueprint("imports", __name__, url_prefix="/intake/import")

RECENT_BATCHES = 10


def allow_large_uploads() -> None:
    """Run before CSRF reads the form (registered ahead of it in create_app): the import upload may
    be MAX_FILE_BYTES, every other request stays within the app's MAX_CONTENT_LENGTH."""
    if request.endpoint == "imports.upload" and request.method == "POST" and current_user.is_authenticated:
        request.max_content_length = MAX_FILE_BYTES + 64 * 1024  # the file, and the form around it


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


def _existing_references(channel: str, refs: list[str], batch_id: int | None = None) -> tuple[dict, dict]:
    """({external_ref: case reference} of those already registered on `channel`, and of those
    among them that batch `batch_id` registered itself, in an earlier confirmation that stopped
    half-way)."""
    found = registered_on(channel, refs)
    return ({ref: reference for ref, (reference, _details) in found.items()},
            {ref: reference for ref, (reference, details) in found.items()
             if batch_id is not None and details.get("import_batch") == batch_id})


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
    mark_existing(rows, _existing_references(channel, external_refs(rows))[0])
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


PREVIEW_ROWS = 500  # rows listed per section; a file of 50,000 is summed up, not listed


def _preview_page(batch: ImportBatch, problems: list[dict] | None = None, status: int = 200):
    rows = batch.rows or []
    villages = dict(db.session.execute(select(Village.id, Village.name)).tuples().all())
    sections = {status: [r for r in rows if r["status"] == status] for status in ("error", "skip", "ok")}
    totals = {name: len(section) for name, section in sections.items()}
    by_category: dict[str, int] = {}
    for row in sections["ok"]:
        by_category[row["data"]["category"]] = by_category.get(row["data"]["category"], 0) + 1
    sections = {name: section[:PREVIEW_ROWS] for name, section in sections.items()}
    stale = batch.status == "importing" and (batch.claimed_at is None or batch.claimed_at < utcnow() - STALE_CLAIM)
    return render_template("intake/import_preview.html", batch=batch, sections=sections, totals=totals, stale=stale,
                           by_category=sorted(by_category.items(), key=lambda item: (-item[1], item[0])),
                           preview_rows=PREVIEW_ROWS,
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
    rows = batch.rows  # changed in place; written back once, at the end
    # Read before the first commit: after it, touching `batch` would load all its rows again.
    channel, result, earlier = batch.channel, dict(batch.result), batch.registered
    chosen, problems = _chosen_categories()
    if batch.status == "preview":
        problems += choose_categories(rows, chosen)
    if problems:  # a tampered or stale form: say which row, register nothing
        db.session.rollback()
        return _preview_page(batch, problems, 422)
    # Claim the batch first, in its own transaction: a second confirmation (another tab, another
    # worker) finds it no longer in preview and does nothing. A claim older than STALE_CLAIM is a
    # confirmation whose worker was killed: this one takes over and registers the rest.
    now = utcnow()
    claimed = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch_id, or_(
            ImportBatch.status == "preview",
            and_(ImportBatch.status == "importing", ImportBatch.claimed_at < now - STALE_CLAIM)))
        .values(status="importing", claimed_at=now)).rowcount
    db.session.commit()
    if claimed != 1:
        flash(_("This import was already confirmed or discarded; nothing more was done."), "info")
        return back
    town, user_id = current_town(), current_user.id
    # Registered since the preview (by the API, by hand, by another import): skipped. Registered by
    # an earlier confirmation of this batch that stopped half-way: counted as this batch's own.
    found, ours = _existing_references(channel, external_refs(rows, ("ok",)), batch_id if earlier else None)
    for row in rows:
        if row["status"] == "ok" and row["data"]["external_ref"] in ours:
            row["reference"] = ours[row["data"]["external_ref"]]
    mark_existing(rows, {ref: case for ref, case in found.items() if ref not in ours})
    village_ids = set(db.session.scalars(select(Village.id)))
    to_register = [row for row in rows if row["status"] == "ok" and not row.get("reference")]
    registered, refused, at_row = 0, [], None
    try:
        for start in range(0, len(to_register), CHUNK_ROWS):
            chunk = to_register[start:start + CHUNK_ROWS]
            at_row = chunk[0]["row"]
            done = _register_chunk(batch_id, channel, chunk, village_ids, now, town, refused)
            db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id)
                               .values(registered=ImportBatch.registered + done))
            db.session.commit()
            registered += done  # counted once committed
        at_row = None
        skipped = [{"row": r["row"], "external_ref": r["data"]["external_ref"], "reference": r["reference"]}
                   for r in rows if r["status"] == "skip"]
        created = [{"row": r["row"], "external_ref": r["data"]["external_ref"], "reference": r["reference"]}
                   for r in rows if r["status"] == "ok" and r.get("reference")]
        # One UPDATE, not through the (expired) object: loading it back would read every row again.
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id).values(
            status="confirmed", rows=rows,
            result={**result, "counts": counts(rows), "created": created, "skipped": skipped,
                    "refused_at_confirmation": refused, "confirmed_at": now.isoformat(),
                    "confirmed_by_id": user_id}))
        db.session.commit()
    except Exception as exc:  # any failure: this chunk rolled back, the batch back to preview
        db.session.rollback()
        log.exception("import batch %s failed at row %s; %s cases registered before it", batch_id, at_row,
                      registered)
        _release(batch_id)
        _record_failure(batch_id, at_row, type(exc).__name__, registered)
        if at_row is None:
            flash(_("The import failed after registering %(n)s cases. Confirm again to finish it (those "
                    "already registered are skipped).", n=registered), "danger")
        elif registered:
            flash(_("The import failed at row %(row)s; the %(n)s cases before it were registered. Confirm "
                    "again to register the rest (those already registered are skipped).", row=at_row, n=registered),
                  "danger")
        else:
            flash(_("The import failed at row %(row)s; nothing was imported. Try again, or ask the "
                    "administrator.", row=at_row), "danger")
        return back
    log.info("import batch %s: %s cases registered by user %s", batch_id, registered, user_id)
    message = _("%(created)s cases registered, %(skipped)s skipped as already in the system.",
                created=len(created), skipped=len(skipped))
    for item in refused[:MAX_REFUSED_SHOWN]:
        message += " " + _("Row %(row)s: %(problem)s Not imported.", row=item["row"],
                           problem=_(item["message"], **item["params"]))
    flash(message, "warning" if refused else "success")
    return back


CHUNK_ROWS = 1000  # rows registered per transaction: the write lock is held ~1 s at a time
# A confirmation claims its batch; one older than this is taken to have died with its worker (gunicorn
# kills a request after 120 s), and confirming again takes the batch over.
STALE_CLAIM = timedelta(minutes=10)
MAX_REFUSED_SHOWN = 5


def _register_chunk(batch_id: int, channel: str, chunk: list[dict], village_ids: set[int], now, town,
                    refused: list[dict]) -> int:
    """Register one chunk of rows (register_cases, in the session's transaction) and note each
    row's case, or why it was refused at the last moment; returns how many were registered."""
    results = register_cases([case_data(row, channel, batch_id, village_ids) for row in chunk], current_user,
                             now=now, town=town)
    registered = 0
    for row, result in zip(chunk, results):
        if isinstance(result, DomainError):
            if result.field == "external_ref":  # registered meanwhile: skipped, as at the preview
                row["status"], row["reference"] = "skip", result.params.get("reference") or None
            else:
                row["status"] = "error"
                row["problems"] = row.get("problems", []) + [{"message": result.message, "params": result.params}]
                refused.append({"row": row["row"], "message": result.message, "params": result.params})
        else:
            row["reference"] = result.reference
            registered += 1
    audit.record("import", current_user, "import_batch", batch_id, created=registered,
                 rows=f"{chunk[0]['row']}-{chunk[-1]['row']}", at=now, ip=request.remote_addr)
    return registered


def _release(batch_id: int) -> None:
    """Back to preview after a failure, so the batch can be confirmed again."""
    try:
        db.session.execute(update(ImportBatch).where(ImportBatch.id == batch_id, ImportBatch.status == "importing")
                           .values(status="preview"))
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("import batch %s could not be released after a failure", batch_id)


def _record_failure(batch_id: int, at_row, error: str, registered: int) -> None:
    """A confirmation that failed is recorded too, in its own transaction."""
    try:
        audit.record("import_failed", current_user, "import_batch", batch_id, at=utcnow(), ip=request.remote_addr,
                     success=False, row=at_row, error=error, **({"registered": registered} if registered else {}))
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
    registered = batch.registered  # by a confirmation that stopped half-way: those cases stay
    discarded = db.session.execute(
        update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == "preview")
        .values(status="discarded", rows=[], result=result)).rowcount
    if discarded == 1:
        audit.record("import_discarded", current_user, "import_batch", batch_id, at=utcnow(), ip=request.remote_addr,
                     **({"registered": registered} if registered else {}))
    db.session.commit()
    if discarded == 1 and registered:
        flash(_("The import was discarded; the %(n)s cases it had already registered stay registered.",
                n=registered), "warning")
    elif discarded == 1:
        flash(_("The import was discarded; nothing was registered."), "info")
    else:
        flash(_("This import was already confirmed or discarded; nothing more was done."), "info")
    return redirect(url_for("imports.upload"), 303)
