"""Admin pages: routing rules (offices, villages and holidays come later)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
