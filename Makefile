# The whole set-up of the course is two commands:
#   make lab    create .venv if missing, install, open JupyterLab on notebook 00
#   make test   create .venv if missing, install, run the package tests and nbval over every notebook
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
# Reinstall only when pyproject.toml changes: the stamp's name carries its hash.
STAMP  := $(VENV)/.installed-$(shell sha256sum pyproject.toml | cut -c1-16)
JOBS   ?= 2
PORT   ?= 8888
# JupyterLab refuses to run as root (containers) unless told it may.
ROOT_FLAG := $(shell [ "$$(id -u)" = "0" ] && echo --allow-root)

.PHONY: help lab test data notebooks solutions check-notebooks check-profile figures bench clean-runs site browser-test grade nbgrader reference reference-build hub-test

help:
	@echo "make lab        set up and open the course in JupyterLab"
	@echo "make test       set up and run every test (package, data, notebooks via nbval)"
	@echo "make data       regenerate data/ (identical files every time)"
	@echo "make notebooks  regenerate the student notebooks/ from solutions/ (never over your edits; FORCE=1 to)"
	@echo "make solutions  re-execute solutions/*.ipynb from their .py sources (instructors)"
	@echo "make bench      time loop vs vectorised vs precomputed attention"
	@echo "make site       render the executed solutions/ as a static web site in _site/"
	@echo "make browser-test  JupyterLab in headless Chromium: drive every widget of every notebook (needs chromium)"
	@echo "make grade NB=student.ipynb  grade a student's notebook with the course's checks (sandboxed)"
	@echo "make nbgrader   write an nbgrader course directory in build/nbgrader (see TEACHING.md)"
	@echo "make check-profile PROFILE=cpu  run the training notebooks under a profile; fail on a False claim"
	@echo "make figures    rewrite the README's table of figures from the stored results"
	@echo "make reference  retrain every reference model from scratch; fail when one differs from reference/manifest.json"
	@echo "make reference-build [NB='08 10']  retrain reference models and write them into reference/ (maintainers)"
	@echo "make hub-test [USERS=10]  JupyterHub load test: USERS throw-away students run notebooks 02-04 (root)"

# pip stays the version the venv ships: `pip install --upgrade pip` fetched whatever pip was newest on every new
# install. Only a pip too old to install a pyproject.toml project in editable mode (before 21.3, as in
# Python 3.10.0-3.10.2) is replaced, by exactly PIP_VERSION. pip runs --quiet (errors still show), so the
# install says what it does and how long it took.
PIP_VERSION := 26.3
PIP := $(PY) -m pip --disable-pip-version-check
PIP_TOO_OLD := import re, pip; raise SystemExit(tuple(map(int, re.match(r"(\d+)\.(\d+)", pip.__version__).groups())) >= (21, 3))

$(STAMP): pyproject.toml
	@start=$$(date +%s); \
	if test -x $(PY); then \
	  echo "make: pyproject.toml changed, updating the course in $(VENV)/ (usually under a minute) ..."; \
	else \
	  echo "make: installing the course into $(VENV)/ (first time only: about 2-4 minutes, torch is the big one) ..."; \
	  $(PYTHON) -m venv $(VENV) || exit 1; \
	fi; \
	if $(PY) -c '$(PIP_TOO_OLD)'; then \
	  echo "make: this venv's pip $$($(PY) -c 'import pip; print(pip.__version__)') cannot install in editable mode; installing pip==$(PIP_VERSION)"; \
	  $(PIP) install --quiet "pip==$(PIP_VERSION)" || exit 1; \
	fi; \
	echo "make: pip is installing torch, JupyterLab and the other pinned packages (a line per package) ..."; \
	$(PIP) install --progress-bar off -e ".[lab,test]" | grep --line-buffered -E '^(Collecting|Installing|Successfully)' ; \
	test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	rm -f $(VENV)/.installed-*; touch $@; \
	echo "make: installed in $$(( $$(date +%s) - start )) s; make skips this step until pyproject.toml changes"

# Students do not need nbgrader's menus and side panel (it is installed for the tests and for teachers):
# `make lab` turns its JupyterLab extension off in .venv; `make lab TEACHER=1` turns it back on.
lab: $(STAMP)
	@if [ -n "$(TEACHER)" ]; then action=enable; else action=disable; fi; \
	$(VENV)/bin/jupyter labextension $$action --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1 \
	  && echo "make: nbgrader's JupyterLab extension $${action}d (make lab TEACHER=1 shows it to a teacher)" || true
	$(VENV)/bin/jupyter lab $(ROOT_FLAG) --port=$(PORT) --ServerApp.root_dir="$(CURDIR)" \
		notebooks/00_the_question.ipynb

# The linter and the formatter's check first (ruff, configured in pyproject.toml), then one pytest run:
# nbval compares solutions/ strictly and runs notebooks/ lax (see conftest.py).
# pytest exits 5 when it collected no test at all: that is a failure here, never a pass.
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	@$(PY) -m pytest -n $(JOBS) --dist loadfile --nbval tests solutions notebooks; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; exit 1; fi; \
	exit $$status

data: $(STAMP)
	$(PY) -m rnn_attention.data --out data/

# Both refuse to overwrite a student notebook you edited (they name it); FORCE=1 replaces it, keeping a dated copy.
notebooks: $(STAMP)
	$(PY) tools/nbbuild.py notebooks $(NB) $(if $(filter 1,$(FORCE)),--force)

solutions: $(STAMP)
	$(PY) tools/nbbuild.py solutions $(NB) $(if $(filter 1,$(FORCE)),--force)
	$(PY) tools/nbbuild.py notebooks $(NB) $(if $(filter 1,$(FORCE)),--force)

check-notebooks: $(STAMP)
	$(PY) tools/nbbuild.py check

bench: $(STAMP)
	$(PY) -m rnn_attention.bench
	$(PY) -m rnn_attention.train_bench

clean-runs:
	rm -rf runs/

# The course as static HTML for readers without Jupyter (see README, "Static site").
site: $(STAMP)
	$(PY) tools/site.py _site

# A real browser: JupyterLab in headless system Chromium via Playwright (tests/browser/).
# Only collected with COURSE_BROWSER_TEST=1, so `make test` never runs it; exit 5 (nothing collected) fails.
browser-test: $(STAMP) site
	@COURSE_BROWSER_TEST=1 $(PY) -m pytest -p no:xdist -s tests/browser; status=$$?; \
	if [ $$status -eq 5 ]; then echo "make browser-test: pytest collected no tests (exit 5)" >&2; exit 1; fi; \
	exit $$status

# Teachers: run a student's notebook in a sandbox and grade its functions with the course's checks.
grade: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make grade NB=path/to/student_notebook.ipynb" >&2; exit 2; }
	$(PY) tools/grade $(NB)

# Teachers who grade with nbgrader: build/nbgrader/ (source/<assignment>/, nbgrader_config.py), from solutions/*.py.
nbgrader: $(STAMP)
	$(PY) tools/nbgrader_course.py build/nbgrader
	@echo "next: cd build/nbgrader && PATH=$(CURDIR)/$(VENV)/bin:\$$PATH nbgrader generate_assignment 00_the_question"

# Not part of `make test`: the training notebooks under a student's profile (cpu, gpu), every claim checked.
check-profile: $(STAMP)
	@test -n "$(PROFILE)" || { echo "usage: make check-profile PROFILE=cpu|gpu|ci [NB='08 10']" >&2; exit 2; }
	$(PY) tools/check_profile.py $(PROFILE) $(NB)

# The README's table of measured figures, from solutions/*.ipynb and results/profile-*.json.
figures: $(STAMP)
	$(PY) tools/figures.py

# The course's reference models (reference/, see its README): the notebooks load them, so a first run takes seconds.
# `make reference` trains every one again from scratch (two at a time, one thread each) and fails when a model's
# test metrics differ from the manifest by more than its seeds' spread; `make reference-build` rewrites them.
reference: $(STAMP)
	$(PY) -m rnn_attention.reference check $(NB)

reference-build: $(STAMP)
	$(PY) -m rnn_attention.reference build $(NB)

# Not part of `make test` (needs root, takes minutes): a real JupyterHub 6.1 with configurable-http-proxy on
# 127.0.0.1, USERS throw-away system users who log in, start their servers and kernels and run notebooks 02-04;
# everything it creates is removed at the end. Appends the run's numbers to results/hub-load.json (TEACHING.md).
USERS ?= 10
HUB_OUT ?= results/hub-load.json
hub-test: $(STAMP)
	@test "$$(id -u)" = 0 || { echo "make hub-test: needs root (it creates throw-away system users)" >&2; exit 2; }
	bash tools/hub/install.sh $(abspath $(PY))
	build/hub/venv/bin/python tools/hub/hubload.py --users $(USERS) --course-python $(abspath $(PY)) \
		--out $(HUB_OUT) $(if $(NOTE),--note "$(NOTE)")
