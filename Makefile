# Two commands do all the set-up on a fresh machine:
#   make demo   a virtual environment with torch 2.13.0 (CPU) and d2lkit, a demo workspace, its report
#   make test   the same set-up, then the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.d2lkit-installed

.PHONY: demo test test-fast bench mutate clean-venv

LOG    := $(VENV)/install.log
DEMO   ?= demo
# the paths in the demo's "Next:" line are relative when make runs from the checkout itself
HERE   := $(if $(filter $(CURDIR),$(PWD)),,$(CURDIR)/)
shown   = $(if $(filter /%,$(1)),$(1),$(HERE)$(1))

# pip's own output (the machine's pip configuration alone can print a hundred warnings) goes to
# $(LOG); when pip fails, the end of the log is shown. Every step keeps -c constraints.txt, which
# pins torch, so that no step can make pip fetch another torch (a multi-GB CUDA build).
pip = $(BIN)/pip install $(1) >>$(LOG) 2>&1 || { echo "pip install $(1) failed; the end of $(LOG):" >&2; tail -n 40 $(LOG) >&2; exit 1; }

$(STAMP): setup.cfg pyproject.toml constraints.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing torch 2.13.0 (CPU) and d2lkit into $(VENV) (pip's output: $(LOG)) ..."
	@: > $(LOG)
	@$(call pip,-c constraints.txt torch==2.13.0)
	@$(call pip,-c constraints.txt -e '.[instructor]' -r requirements-dev.txt)
	@touch $(STAMP)

demo: $(STAMP)
	@if test -f $(DEMO)/d2lkit.toml; then echo "The demo workspace $(DEMO)/ (made earlier), graded:"; \
	 else $(BIN)/d2lkit init $(DEMO) > /dev/null && echo "A fresh workspace in $(DEMO)/: nothing is \
	 implemented yet, so this report is all \"not implemented\"."; fi
	@echo
	@cd $(DEMO) && $(abspath $(BIN))/d2lkit check ch2 || test $$? -eq 1
	@echo
	@echo "Next: source $(call shown,$(VENV))/bin/activate && cd $(call shown,$(DEMO)) && d2lkit next"
	@echo "      (it names your first exercise and the file to edit; then d2lkit check grades it)"

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
