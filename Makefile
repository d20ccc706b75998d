# Each target builds its own virtual environment; nothing installed by hand is needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test clean bench bench-large stress

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

# An editable install compiles nothing: without bytecode every command would compile its modules
# from source (~120 ms), and a shell with PYTHONDONTWRITEBYTECODE never caches them.
.PHONY: bytecode
bytecode: $(BIN)/.installed
	$(BIN)/python -m compileall -q keyledger

demo: bytecode
	PATH="$(CURDIR)/$(BIN):$$PATH" bash demo/story.sh

test: $(BIN)/.installed
	bash tools/system-deps.sh
	$(BIN)/python -m pytest

# The crash and concurrency tests run 20 times over (KEYLEDGER_REPEAT repeats each test).
stress: $(BIN)/.installed
	KEYLEDGER_REPEAT=20 $(BIN)/python -m pytest -q tests/test_crash_and_concurrency.py

clean:
	rm -rf $(VENV) build *.egg-info

# Benchmarks (issue 7): the small ledger in a few minutes, the large one takes longer.
bench: bytecode
	$(BIN)/python bench/run.py --size small

bench-large: bytecode
	$(BIN)/python bench/run.py --size large
