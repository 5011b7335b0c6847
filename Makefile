# The two commands: `make study` runs the default study, `make test` the test suite.
# Both create the local virtualenv on first use; everything is installed by this file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= workflow/profiles/default
CORES ?= all
# Rules call the `prunability` CLI: put the venv first on PATH for every recipe.
export PATH := $(abspath $(BIN)):$(PATH)
# The CPU build of torch that lies on the build machines' disk; cluster users get torch from envs/*.yaml.
TORCH ?= torch==2.13.0

.PHONY: study test lint figures benchmark benchmark-images clean-venv

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check "$(TORCH)"
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

study: $(BIN)/.installed
	$(BIN)/snakemake --profile $(PROFILE) --cores $(CORES)

# Redraw every figure and the report from the cached tables alone: no other rule may run.
figures: $(BIN)/.installed
	$(BIN)/snakemake --profile $(PROFILE) --cores $(CORES) figures --allowed-rules draw_figures html_report

benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/engine_vs_reference.py
	$(BIN)/python benchmarks/engine_vs_reference.py --model mlp-64-32

benchmark-images: $(BIN)/.installed
	$(BIN)/python benchmarks/engine_vs_reference.py --images --model resnet20-16 --steps 15

test: $(BIN)/.installed
	$(BIN)/pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/snakemake --lint

clean-venv:
	rm -rf $(VENV)
