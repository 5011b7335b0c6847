# The two commands: `make study` runs the default study, `make test` the test suite.
# Both create the local virtualenv on first use; everything is installed by this file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= workflow/profiles/default
CORES ?= all
# The CPU build of torch that lies on the build machines' disk; cluster users get torch from envs/*.yaml.
TORCH ?= torch==2.13.0

.PHONY: study test lint figures report clean-venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

study: $(BIN)/.installed
	$(BIN)/snakemake --profile $(PROFILE) --cores $(CORES)

figures: $(BIN)/.installed
	$(BIN)/snakemake --profile $(PROFILE) --cores $(CORES) figures

test: $(BIN)/.installed
	$(BIN)/pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

clean-venv:
	rm -rf $(VENV)
