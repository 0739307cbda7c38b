# Two commands on a fresh machine with python3: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# A plain path entry rather than setuptools' import hook, which costs every start ~10 ms.
EDITABLE := --config-settings editable_mode=compat

.PHONY: demo test lint typecheck unit bench screenshots clean tmux

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(EDITABLE)
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]' $(EDITABLE)
	touch $@ $(VENV)/.installed

# The end-to-end tests drive the real tmux; install it when it is missing and we may.
tmux:
	@command -v tmux >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing tmux for the end-to-end tests"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) >/dev/null; \
	  else echo "tmux is missing: install it (e.g. sudo apt-get install tmux)"; exit 1; fi; }

demo: $(VENV)/.installed
	$(BIN)/approve demo

lint: $(VENV)/.installed-test
	$(BIN)/ruff check approve tests bench screenshots
	$(BIN)/ruff format --check approve tests bench screenshots

# The benchmarks and the screenshot script are not run by the tests: type checking them is what
# keeps them from rotting when the code they drive changes.
typecheck: $(VENV)/.installed-test
	$(BIN)/mypy
	MYPYPATH=bench $(BIN)/mypy bench screenshots

unit: $(VENV)/.installed-test tmux
	$(BIN)/pytest

test: lint typecheck unit

bench: $(VENV)/.installed-test
	$(BIN)/python bench/run_all.py

screenshots: $(VENV)/.installed-test
	$(BIN)/python screenshots/make_screenshots.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
