# newsflow — the two set-up commands are `make run` and `make test`; both create the
# environment first when it is missing (or when pyproject.toml / uv.lock changed).

PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
STAMP := $(VENV)/.synced-$(UV_VERSION)

export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: env run test test-fast bench eval clean

env: $(STAMP)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --python $(PYTHON)
	@touch $@

run: env
	$(VENV)/bin/newsflow run

# two parts: most tests on TEST_WORKERS processes (pytest-xdist, a file per worker at a time),
# then the timing-sensitive and core-filling ones alone (tests/conftest.py SERIAL_MODULES)
TEST_WORKERS ?= 2

test: env
	$(VENV)/bin/pytest -m "not serial" -n $(TEST_WORKERS) --dist loadfile
	$(VENV)/bin/pytest -m serial

test-fast: env
	$(VENV)/bin/pytest -m "not slow and not eval"

eval: env
	$(VENV)/bin/newsflow eval extraction ../shared/eval/scrapinghub --out data/eval-scrapinghub.json
	$(VENV)/bin/newsflow eval extraction ../shared/eval/fundus --out data/eval-fundus.json

bench: env
	$(VENV)/bin/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(TOOLS) data .pytest_cache
