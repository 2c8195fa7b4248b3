"""Spreadsheet import: the upload form, and the confirm and discard buttons (CSRF only; the confirm
form's per-row category choices are read by the view, their rows being the batch's)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import SelectField, SubmitField

from ..cases.forms import choices
from ..core.vocab import Channel
from ..forms_common import Form

# Every channel that has its own reference: the reference is how a re-import skips rows
# already in the system. Walk-ins have none.
IMPORT_CHANNELS = (Channel.HOTLINE_12345, Channel.GRID_PATROL, Channel.POLICE_110,
                   Channel.DISPUTE_PLATFORM, Channel.REFERRAL)


RECOGNISE = ""  # the channel choice "recognise it from the column names"


class UploadForm(Form):
    channel = SelectField(_l("Channel"), choices=[(RECOGNISE, _l("Recognise from the column names"))]
                          + choices("channel", IMPORT_CHANNELS), default=RECOGNISE)
    file = FileField(_l("Spreadsheet (.xlsx or .csv, at most 16 MiB and 50,000 rows)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["xlsx", "csv"], _l("Upload an .xlsx or .csv file.")),
    ], render_kw={"accept": ".xlsx,.csv"})
    submit = SubmitField(_l("Upload and preview"))


class ConfirmForm(Form):
    submit = SubmitField(_l("Import"))


class DiscardForm(Form):
    submit = SubmitField(_l("Discard"))
