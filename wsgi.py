"""Entry point for `flask --app wsgi` and WSGI servers."""
import gc

from mediation import create_app

app = create_app()
# What the app built at start (routes, templates, translations, mappers) lives as long as the
# process: moved out of the garbage collector's sight, so that a request allocating much (a
# batch of cases, a report) does not pay for walking all of it on each full collection.
gc.freeze()
