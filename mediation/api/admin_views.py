"""Admin pages for channel tokens (filled in by the channel-API work)."""
from flask import Blueprint

bp = Blueprint("api_admin", __name__, url_prefix="/admin/tokens")
