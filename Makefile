# The two commands: `make study` runs the default study, `make test` the test suite.
# Both create the local virtualenv on first use; everything is installed by this file.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PROFILE ?= workflow/profiles/default
CORES ?= all
# CONFIG=workflow/studies/<preset>.yaml runs a preset instead of the default study (config.yaml).
CONFIG ?=
# The CPU build of torch that lies on the build machines' disk; cluster users get torch from envs/*.yaml.
TORCH ?= torch==2.13.0
# `--configfile=FILE`, not `--configfile FILE`: the option takes several files and would swallow a target after it.
STUDY := $(BIN)/snakemake --profile $(PROFILE) --cores $(CORES) $(if $(CONFIG),--configfile=$(CONFIG))

.PHONY: study readme-numbers recover robustness test test-cluster lint figures benchmark benchmark-images clean-venv

# pip byte-compiles every module it installs, most of which are never imported: about half the set-up time here
# (benchmarks/venv_setup.py). With --no-compile, a module is compiled when first imported and cached beside it;
# the cache needs bytecode writing, which some environments turn off (PYTHONDONTWRITEBYTECODE), and then every
# process would compile its imports again: the project's commands turn it back on for themselves. The last step of
# the set-up imports what nearly every process imports, so that it is compiled once, not by each of the first
# processes that start side by side.
unexport PYTHONDONTWRITEBYTECODE
PIP := $(BIN)/pip install --quiet --disable-pip-version-check --no-compile

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) "$(TORCH)"
	$(PIP) -e ".[dev]"
	$(BIN)/python -c "import torch, pandas, pyarrow.parquet, matplotlib.pyplot, scipy.stats, snakemake.api"
	touch $@

# The SLURM executor plugin, for the cluster profiles and the cluster test.
$(BIN)/.cluster: $(BIN)/.installed
	$(PIP) -e ".[dev,cluster]"
	touch $@

# A study ends by comparing its fresh tables with the committed ones (where it has any): per table equal, equal within
# tolerance (last bits of floats) or different, with the likely cause. It informs: a study whose jobs all succeeded
# exits 0. `prunability compare --strict` fails on any difference (docs/running.md#reproducibility).
study: $(BIN)/.installed
	$(STUDY)
	$(BIN)/prunability compare --config $(or $(CONFIG),config.yaml)

# After a change of a quoted study: quote its fresh numbers in docs/results.md (commit them with its results/<study>/tables).
readme-numbers: $(BIN)/.installed
	$(BIN)/prunability readme-numbers

# After the controlling snakemake died: stop its leftover jobs, unlock, rerun what the crash interrupted.
recover: $(BIN)/.installed
	$(BIN)/prunability recover -- $(STUDY)

# After a study: its dimension experiments again with disjoint seeds and ATen's lowest kernels; do its verdicts hold?
robustness: $(BIN)/.installed
	$(BIN)/prunability robustness --config $(or $(CONFIG),config.yaml) -- $(BIN)/snakemake --profile $(PROFILE) --cores $(CORES)

# Redraw every figure and the report from the cached tables alone: no other rule may run.
figures: $(BIN)/.installed
	$(STUDY) figures --allowed-rules draw_figures structure_figures html_report

benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/engine_vs_reference.py
	$(BIN)/python benchmarks/engine_vs_reference.py --model mlp-64-32

benchmark-images: $(BIN)/.installed
	$(BIN)/python benchmarks/engine_vs_reference.py --images --model resnet20-16 --steps 15

# Three workers on two cores, one test file each (module fixtures are tiny studies): faster than one worker
# on the 2-core build machine, measured in docs/performance.md.
test: $(BIN)/.installed
	$(BIN)/pytest -q -n 3 --dist loadfile --durations=10

# A tiny study through a real single-node SLURM (started here when none answers; needs root), with faults.
test-cluster: $(BIN)/.cluster
	tests/cluster/slurm.sh up || { tests/cluster/slurm.sh down; exit 1; }
	$(BIN)/pytest -q -s -m cluster tests/test_cluster.py; status=$$?; tests/cluster/slurm.sh down; exit $$status

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakemake --lint

clean-venv:
	rm -rf $(VENV)
