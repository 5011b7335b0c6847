# Helpers shared by the rules: paths of every artifact and the per-run parameters the CLI takes.
import json
import os

from prunability.cli import put_on_path
from prunability.config import runs

put_on_path()

STUDY = f"results/{config['study']}"
DATA = f"{STUDY}/data/{{experiment}}/dim{{dimension}}/seed{{seed}}.safetensors"
MEASURED = f"{STUDY}/measured_dim/{{experiment}}/dim{{dimension}}/seed{{seed}}.parquet"
RUN = f"{STUDY}/runs/{{experiment}}/{{model}}/dim{{dimension}}/seed{{seed}}"
RUN_LOGS = f"{STUDY}/logs/imp/{{experiment}}/{{model}}/dim{{dimension}}/seed{{seed}}"
LOGS = f"{STUDY}/logs"
TABLE_DIR = f"{STUDY}/tables"
FIGURE_DIR = f"{STUDY}/figures"
ROUND_TABLES = {name: f"{TABLE_DIR}/{name}.parquet" for name in ("rounds", "timing", "measured_dim")}
STATS_TABLES = [
    f"{TABLE_DIR}/{name}"
    for name in (
        "prunability.parquet",
        "summary.parquet",
        "summary.csv",
        "summary.md",
        "correlation.parquet",
        "correlation_summary.parquet",
    )
]
TABLES = [*ROUND_TABLES.values(), *STATS_TABLES]
ACCURACY_FIGURES = [f"{FIGURE_DIR}/accuracy_{e}" for e in config["experiments"]]
CORRELATION_FIGURE = f"{FIGURE_DIR}/correlation"
FIGURES = [f"{stem}.{ext}" for stem in (*ACCURACY_FIGURES, CORRELATION_FIGURE) for ext in ("png", "pdf")]
REPORT = f"{STUDY}/report.html"
LABELS = " ".join(f"'{e}={x['label']}'" for e, x in config["experiments"].items())
ENV = "../../envs/prunability.yaml"
CAPTIONS = os.path.join(workflow.basedir, "workflow", "report")


wildcard_constraints:
    experiment=r"[a-z][a-z0-9_]*",
    model=r"[a-z][a-z0-9]*(-[0-9]+)+",
    dimension=r"[0-9]+",
    seed=r"[0-9]+",
    r=r"(?!000)[0-9]{3}",


def experiment(wildcards) -> dict:
    return config["experiments"][wildcards.experiment]


def dataset_params(wildcards) -> str:
    params = {k: v for k, v in experiment(wildcards)["dataset"].items() if k != "kind"}
    return json.dumps(params, sort_keys=True)


def recipe_json(wildcards) -> str:
    return json.dumps(experiment(wildcards)["training"], sort_keys=True)


def round_files(round_dir: str) -> list[str]:
    names = ("weights.safetensors", "mask.safetensors", "metrics.parquet", "timing.json")
    return [f"{round_dir}/{name}" for name in names]


def previous_round(wildcards) -> str:
    """Directory of round r-1 of the same run."""
    return f"{RUN}/round_{int(wildcards.r) - 1:03d}".format(**wildcards)


def output_dir(wildcards, output) -> str:
    return os.path.dirname(output[0])


def all_measured() -> list[str]:
    """The measured-dimension row of every data artifact of the study."""
    cells = sorted({(run.experiment, run.dimension, run.seed) for run in runs(config)})
    return [MEASURED.format(experiment=e, dimension=d, seed=s) for e, d, s in cells]


def all_round_files(name: str) -> list[str]:
    """``name`` (metrics.parquet, timing.json) of every round of every run."""
    return [f"{STUDY}/runs/{run.path}/round_{r:03d}/{name}" for run in runs(config) for r in range(run.rounds + 1)]


ALL_ROUND_ARTIFACTS = [
    f
    for name in ("weights.safetensors", "mask.safetensors", "metrics.parquet", "timing.json")
    for f in all_round_files(name)
]
