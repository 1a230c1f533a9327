# Two commands do all the set-up on a fresh machine:
#   make demo   a virtual environment with torch 2.13.0 (CPU) and d2lkit, a demo workspace, its report
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.d2lkit-installed

.PHONY: demo test test-fast bench mutate clean-venv

$(STAMP): setup.cfg pyproject.toml constraints.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# torch first, pinned: a loose range could make pip fetch a multi-GB CUDA build
	$(BIN)/pip install -q -c constraints.txt torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[instructor]' -r requirements-dev.txt
	touch $(STAMP)

demo: $(STAMP)
	test -f demo/d2lkit.toml || $(BIN)/d2lkit init demo
	# a fresh workspace has nothing implemented yet, so this report is all "not implemented"
	cd demo && ../$(BIN)/d2lkit check ch2 || test $$? -eq 1

test: $(STAMP)
	$(BIN)/python -m pytest tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest tests -m "not slow"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

# every single-point mutant of every reference solution, graded (5 to 10 minutes on 2 cores,
# outside CI's budget); writes d2lkit/curriculum/mutation/chNN.report.json, which `dev check` reads.
# `make test` grades a fixed sample of them (tests/test_mutate.py).
mutate: $(STAMP)
	$(BIN)/d2lkit dev mutate all

clean-venv:
	rm -rf $(VENV)
