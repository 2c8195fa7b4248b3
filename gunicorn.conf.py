"""gunicorn settings for the web process: `gunicorn -c gunicorn.conf.py wsgi:app` (README, Deployment).

Every setting here can be changed from the environment, so one file serves every host:

| variable | meaning | default |
|---|---|---|
| `GUNICORN_BIND` | address(es) to listen on, comma-separated (`host:port`, `unix:/path`) | `127.0.0.1:8000` |
| `GUNICORN_WORKERS` (or `WEB_CONCURRENCY`) | worker processes | 2 × the CPU cores this process may use |
| `GUNICORN_THREADS` | threads per worker (more than 1 uses the gthread worker) | 1 |
| `GUNICORN_TIMEOUT` | seconds a request may take before its worker is restarted | 120 |
| `GUNICORN_ACCESSLOG`, `GUNICORN_ERRORLOG` | log files; `-` is stdout / stderr | `-`, `-` |
| `GUNICORN_LOGLEVEL` | debug, info, warning, error | info |
| `GUNICORN_CONTROL_SOCKET` | path of gunicorn's control socket (`gunicornc`); unset: none | unset |

The web process keeps no state, so workers (and hosts) can be added freely; the scheduler is a
separate process (`flask --app wsgi jobs scheduler`), exactly one per deployment, never started
from here.
"""
import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the cores this process may use (containers, taskset)
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


wsgi_app = "wsgi:app"
proc_name = "mediation"
bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
        if address.strip()]

workers = _int("GUNICORN_WORKERS", _int("WEB_CONCURRENCY", 2 * _cores()))
threads = _int("GUNICORN_THREADS", 1)
# Off: each worker imports the app and opens its own database pool after the fork, so no
# connection is ever shared between processes.
preload_app = False

# A request's longest honest wait for a lock is SQLite's busy timeout (5 s) and the channel API's
# short retries, after which it answers 503. The longest honest work is confirming a spreadsheet
# import of 50,000 rows (about a minute on SQLite at a million cases; bench/RESULTS.md): 120 s
# leaves room for it; a worker stuck longer is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 120)
graceful_timeout = 30  # on SIGTERM or a reload, requests in flight get this long to finish
keepalive = 5  # behind a reverse proxy that reuses connections (gthread worker)

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = os.environ.get("GUNICORN_ERRORLOG", "-")
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# The path without its query string (searches carry names and phone numbers), the time taken,
# and the worker that answered.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms pid=%(p)s "%(a)s"'

# The heartbeat file on a RAM disk when there is one: a slow disk must not look like a hung worker.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's control socket (`gunicornc`) is off unless asked for: its default path in the home
# directory would be shared by every instance on the host.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
