# The two commands: `make run` (build today's digest) and `make test`. Each sets up .venv itself.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test digest bot console bench backup clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is needed (set PYTHON=python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)  ## build the newest day with papers into ./out; without network, the bundled sample day
	$(BIN)/digest run $(ARGS)

test: $(STAMP)  ## run the whole test suite (no network)
	$(BIN)/pytest -q $(ARGS)

digest: $(STAMP)  ## any digest command without activating .venv: make digest ARGS="show LLM"
	$(BIN)/digest $(ARGS)

bot: $(STAMP)  ## run every chat adapter whose token is set, and the scheduler
	$(BIN)/python -m bot

console: $(STAMP)  ## chat with the bot in this terminal, no tokens needed
	$(BIN)/python -m bot console $(ARGS)

bench: $(STAMP)  ## benchmarks (figures go to docs/benchmarks.md)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) out .pytest_cache
