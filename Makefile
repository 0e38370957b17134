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

.PHONY: setup report test lab clean browser

$(BIN)/.installed: setup.py settings.ini
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip==25.3"
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev]"
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

lab: setup
	$(BIN)/pip install --quiet jupyterlab
	$(BIN)/jupyter lab --notebook-dir nbs

clean:
	rm -rf $(VENV) data/runs/smoke
