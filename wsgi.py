"""Entry point for `flask --app wsgi` and WSGI servers."""
from mediation import create_app

app = create_app()
