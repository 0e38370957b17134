# codesearch: `make report` reruns the study, `make test` checks it. Each does its own set-up.
PROFILE ?= cpu
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
COSQA_DIR ?=
CSN_DIR ?=
REPORT_ARGS := $(if $(COSQA_DIR),--cosqa-dir $(COSQA_DIR)) $(if $(CSN_DIR),--csn-dir $(CSN_DIR))
# the tests build many small indexes with MiniLM: its int8 ONNX export is made once and kept here (git-ignored)
export CODESEARCH_CACHE ?= $(CURDIR)/data/encoders

LOCK := requirements-lock.txt
LAB := .venv-lab
LAB_LOCK := requirements-lab.txt
JUPYTERLAB := jupyterlab==4.6.6

.PHONY: setup report test lab lock clean browser

# The venv is exactly the lock file: rebuilt from scratch whenever the lock changes, so no package outside it can
# enter the corpus (which is built from the installed packages). torch comes from this machine's CPU build on disk.
$(BIN)/.installed: $(LOCK) setup.py settings.ini
	rm -rf $(VENV) && $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-deps -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name codesearch --display-name "codesearch (.venv)" >/dev/null
	touch $@

setup: $(BIN)/.installed

report: setup
	$(BIN)/codesearch report --profile $(PROFILE) $(REPORT_ARGS)

# the browser test drives the service's page in Debian's headless Chromium
browser:
	@test -x /usr/bin/chromium && test -x /usr/bin/chromedriver || { \
	  echo "installing Debian's chromium and chromium-driver for the browser test"; \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null; }; }

test: setup browser
	$(BIN)/nbdev_export && $(BIN)/nbdev_clean
	@git diff --quiet -- nbs codesearch && test -z "$$(git status --porcelain -- nbs codesearch)" \
	  || { echo "nbdev_export/nbdev_clean changed nbs/ or codesearch/: run them and commit the result"; git status --short -- nbs codesearch; exit 1; }
	$(BIN)/nbdev_test --n_workers 1 --timing
	$(BIN)/python -m pytest tests -q

# JupyterLab lives in a venv of its own (its own lock file): opening the notebooks adds no package to the study's
# environment. The notebooks run in the study's kernel, found through JUPYTER_PATH.
$(LAB)/bin/.installed: $(LAB_LOCK)
	rm -rf $(LAB) && $(PYTHON) -m venv $(LAB)
	$(LAB)/bin/pip install --quiet --no-deps -r $(LAB_LOCK)
	touch $@

lab: setup $(LAB)/bin/.installed
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter $(LAB)/bin/jupyter lab --notebook-dir nbs $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Refresh both lock files: resolve setup.py's pins (all extras) and JupyterLab in throwaway venvs, and freeze them.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "pip==25.3" && .venv-lock/bin/pip install --quiet torch==2.13.0 && .venv-lock/bin/pip install --quiet ".[dev]"
	.venv-lock/bin/pip freeze --all --exclude codesearch | LC_ALL=C sort -f > $(LOCK)
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "pip==25.3" "$(JUPYTERLAB)"
	.venv-lock/bin/pip freeze --all | LC_ALL=C sort -f > $(LAB_LOCK)
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) $(LAB) data/runs/smoke
