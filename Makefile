# Two entry points: `make run` (the app with its sample deals) and `make test`.
# Both create .venv/ on first use and reinstall when pyproject.toml or requirements.lock changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test install lock mutation

install: $(VENV)/.installed

# The exact versions of requirements.lock, so every machine runs what CI ran.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test]"
	touch $@

# Embedded defaults for a local run: SQLite, a file broker, emails written to var/mail/.
# rundesk sets SITE_URL (the links in emails) to its own address unless it is set, prints a
# summary, logs the worker and beat to var/log/, and stops them when it stops. `exec` makes it
# the process make signals, so Ctrl-C or a SIGTERM to make reaches it.
run: export DEBUG ?= true
run: export EMAIL_URL ?= filemail:///$(CURDIR)/var/mail
# The day the sample desk is reckoned from (README, "The two commands"): a week after the SPA's
# closing of 23 May 2005, five due dates missed, one due that day and one the next week, a handful
# of reminders. A run setting, not a date the agreements give. `DESK_DATE= make run`: the real date.
run: export DESK_DATE ?= 2005-05-31
run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_sample_deals
	$(PY) manage.py create_demo_admin
	$(PY) manage.py install_schedule
	exec $(PY) manage.py rundesk 127.0.0.1:$${PORT:-8000}

# The import contract (pyproject.toml) first: a lower layer importing a higher one fails the run.
test: install
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# Renew requirements.lock to the newest versions pyproject.toml allows; commit the result after `make test`.
lock: install
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,dev]"
	$(VENV)/bin/pip-compile --quiet --upgrade --extra test --strip-extras --no-emit-index-url \
		--no-emit-find-links --output-file requirements.lock pyproject.toml

# Mutation testing of the arithmetic and the reminder outbox.
mutation: install
	$(PY) -m pip install --quiet -c requirements.lock -e ".[test,dev]"
	rm -rf mutants
	$(VENV)/bin/mutmut run --max-children 2
	$(VENV)/bin/mutmut results
