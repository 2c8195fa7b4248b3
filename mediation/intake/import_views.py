"""Spreadsheet import: upload, preview, confirm (filled in by the import work)."""
from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/intake/import")
