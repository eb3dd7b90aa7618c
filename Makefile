# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test bench install clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The analyst copy's tokens need a key (docs/privacy.md); the demo's is published, so its tokens protect nothing.
DEMO_TOKEN_KEY := housekey-demo-key-not-secret

demo: $(STAMP)  ## the main job on the bundled sample subdistrict, as of the sample world's day, with the demo key
	$(BIN)/housekey samples seed-databases
	$(BIN)/housekey migrate
	HOUSEKEY_AS_OF=2026-11-01 HOUSEKEY_TOKEN_KEY_1=$(DEMO_TOKEN_KEY) $(BIN)/housekey run

test: $(STAMP)  ## lint, then every test, against the real PostgreSQL and MariaDB servers
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -n 2 --dist loadfile --no-loadscope-reorder  # tests/conftest.py: which modules start first

bench: $(STAMP)  ## reproducible speed, memory and accuracy measurements
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) var
