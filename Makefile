PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test screenshots lint format messages vendor bench clean

$(STAMP): requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $(STAMP)

## make run: local server on http://127.0.0.1:8000 with SQLite, in-process tasks, mail on the console
run: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=true $(BIN)/python manage.py demo
	DJANGO_DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:8000

## make test: the whole suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set)
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make screenshots: retake docs/screenshots/*.png with the browser tests that take them (needs Chromium)
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e -m screenshots $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make messages: refresh and compile the translation catalogues
messages: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l en --no-obsolete --no-wrap --ignore=.venv --ignore=staticfiles
	DJANGO_DEBUG=true $(BIN)/python manage.py compilemessages --ignore=.venv

## make vendor: copy front-end assets from npm packages into static/vendor
vendor:
	npm ci --no-audit --no-fund
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/css/bootstrap.min.css.map static/vendor/
	cp node_modules/bootstrap/dist/js/bootstrap.bundle.min.js node_modules/bootstrap/dist/js/bootstrap.bundle.min.js.map static/vendor/
	cp node_modules/axe-core/axe.min.js static/vendor/
	mkdir -p static/vendor/bootstrap-icons/fonts
	cp node_modules/bootstrap-icons/font/bootstrap-icons.min.css node_modules/bootstrap-icons/LICENSE static/vendor/bootstrap-icons/
	cp node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff2 node_modules/bootstrap-icons/font/fonts/bootstrap-icons.woff static/vendor/bootstrap-icons/fonts/

## make bench: seed PostgreSQL at agency scale, load-test under gunicorn + wrk beside a bare Django floor,
## time the sweeper; prints the table and writes bench/out/ (needs PostgreSQL and Redis on 127.0.0.1)
bench: $(STAMP)
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
	$(BIN)/pip install --quiet -r requirements/bench.txt
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
