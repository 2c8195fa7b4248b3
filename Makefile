# Two commands do all set-up: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Test processes (pytest-xdist; each PostgreSQL worker gets its own database). 0 runs in this process.
PYTEST_WORKERS ?= 2
export FLASK_APP := wsgi
PO := mediation/translations/zh/LC_MESSAGES/messages.po
MO := $(PO:.po=.mo)

.PHONY: run test setup setup-dev system-deps db demo translations extract-messages requirements clean

# Runtime packages only (requirements.txt); the test tools (requirements-dev.txt) on top for `make test`.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	touch $@

# Re-pin both files from requirements.in and requirements-dev.in (existing pins are kept;
# PIP_COMPILE_ARGS=--upgrade to move them, or --upgrade-package NAME for one).
PIP_COMPILE := $(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links $(PIP_COMPILE_ARGS)
requirements: $(VENV)/.installed-dev
	$(PIP_COMPILE) requirements.in
	$(PIP_COMPILE) requirements-dev.in --output-file requirements-dev.txt

$(MO): $(PO) $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d mediation/translations

setup: $(VENV)/.installed $(MO) system-deps

setup-dev: setup $(VENV)/.installed-dev

# Debian packages the PDF printouts and browser tests need (Pango for WeasyPrint, Noto CJK
# fonts, Chromium). Installed when missing and we are root (as on CI); otherwise a hint.
DEBS := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
system-deps:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing $$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null; \
	  else echo "Missing Debian packages (printouts and browser tests need them): $$missing"; fi; \
	fi

translations: $(MO)

db: setup
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask seed-demo

# The scheduler runs as its own process beside the web server (one per deployment), and stops with it.
run: demo
	@echo "Serving on http://127.0.0.1:$(PORT) — sign in with a demo user printed above (first run only);"
	@echo "add your own with: $(BIN)/flask create-user NAME --role supervisor --office judicial_office"
	@$(BIN)/flask jobs scheduler & scheduler=$$!; \
	trap 'kill $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# The layers contract (.importlinter) first: a broken layer fails before any test runs.
test: setup-dev
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

extract-messages: setup
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs ".*"  -k _l -k N_ -k DomainError -k TransitionRefused -k StaleVersion \
		-o mediation/translations/messages.pot .
	$(BIN)/pybabel update -i mediation/translations/messages.pot -d mediation/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/mediation.db*
