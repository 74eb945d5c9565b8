# Gare centrale: `make run` serves the wiki, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
CATALOGUES := $(wildcard app/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run serve test bench install install-dev translations extract-messages migrate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

%.mo: %.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics 2>&1 | tail -1

translations: $(COMPILED)

migrate: install translations
	$(FLASK) db upgrade

run: migrate
	$(FLASK) demo --if-empty
	$(FLASK) setup-code --url http://$(HOST):$(PORT)
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: migrate
	$(FLASK) demo --if-empty
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

test: install-dev translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# End-to-end benchmark against a bare Flask floor: one table per size (default 1,000 and 10,000
# pages on SQLite; `make bench BENCH_ARGS="--pages 1000"` for one). 100,000 pages and 1,000,000
# revisions on PostgreSQL (seeded by COPY into a THROWAWAY database, emptied first):
#   make bench BENCH_ARGS="--pages 100000 --revisions 1000000 --sample 3000 \
#     --database-url $$(PGTEST_PORT=54342 bash .ci/postgres-start)"
# Uses wrk when installed (apt-get install wrk), else a Python load client.
bench: install-dev translations
	$(BIN)/python -m bench.wiki $(BENCH_ARGS)

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --sort-by-file .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache
