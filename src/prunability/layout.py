"""Every name and path of a study's artifacts, tables, figures and logs, defined once.

Standard library only, so that the Snakefile imports it cheaply; writers, readers and rules all take their
names from here (open_lth's ``foundations/paths.py`` is the model: one function per path). The per-round
analyses' names come from their registry (``prunability.structure.registry``, standard library only too).
"""

from prunability.structure.registry import ANALYSES, MEASURED

# What every IMP round writes into its directory (prunability.imp.round); round 0 also writes REWIND_FILE.
WEIGHTS_FILE = "weights.safetensors"
MASK_FILE = "mask.safetensors"
METRICS_FILE = "metrics.parquet"
TIMING_FILE = "timing.json"
ROUND_FILES = (WEIGHTS_FILE, MASK_FILE, METRICS_FILE, TIMING_FILE)
REWIND_FILE = "rewind.safetensors"
# Where a shared job keeps a finished run's round when another run fails (<round>.salvaged/), and its key.
SALVAGE_SUFFIX = ".salvaged"
SALVAGE_KEY_FILE = "key.json"

# The columns that name a run in every table of its kind: a dimension experiment's, a schedules experiment's.
DIMENSION_RUN = ("experiment", "model", "dimension", "seed")
SCHEDULE_RUN = ("experiment", "model", "pretrain_epochs", "train_epochs", "seed")

# Every table is Parquet (a few also as text for readers without it).
TABLE_SUFFIX = ".parquet"
# The page of the docs that quotes the committed studies' numbers (prunability.reporting.quoted).
QUOTING_PAGE = "docs/results.md"

# The dimensionality study's tables.
ROUNDS_TABLE = "rounds.parquet"
TIMING_TABLE = "timing.parquet"  # seconds: measurements, never compared between runs
MEASURED_TABLE = "measured_dim.parquet"
PRUNABILITY_TABLE = "prunability.parquet"
SUMMARY_TABLE = "summary.parquet"
SUMMARY_CSV = "summary.csv"
SUMMARY_MD = "summary.md"
CORRELATION_TABLE = "correlation.parquet"
CORRELATION_SUMMARY_TABLE = "correlation_summary.parquet"
SENSITIVITY_TABLE = "sensitivity.parquet"
STATS_TABLES = (
    PRUNABILITY_TABLE,
    SUMMARY_TABLE,
    SUMMARY_CSV,
    SUMMARY_MD,
    CORRELATION_TABLE,
    CORRELATION_SUMMARY_TABLE,
    SENSITIVITY_TABLE,
)
# What made every round of a study (prunability.numerics): kept apart from the tables that must be reproducible.
FINGERPRINT_TABLE = "fingerprint.parquet"
# The yardstick of both studies (prunability.yardstick): each dataset's reference accuracy, and per cell the dense
# accuracy against it with the cell's flag.
REFERENCE_TABLE = "reference.parquet"
ADEQUACY_TABLE = "adequacy.parquet"
YARDSTICK_TABLES = (REFERENCE_TABLE, ADEQUACY_TABLE)

# The structure study: the per-run tables of one run, and the study's tables and figures.
PER_RUN_TABLES = ("stage_sparsity", "magnitudes", "neuron_sparsity", "fully_pruned")
STRUCTURE_TABLES = ("accuracy", "critical_sparsity", *PER_RUN_TABLES, *(t for a in ANALYSES for t in a.tables))
STRUCTURE_FIGURES = (
    "accuracy",
    "magnitudes",
    "stage_sparsity",
    "neuron_sparsity",
    *(name for a in ANALYSES for name, _, _ in a.figures),
)

# The dimensionality study's figures (accuracy is drawn per experiment), each as PNG and PDF.
CORRELATION_FIGURE = "correlation"
SENSITIVITY_FIGURE = "sensitivity"
FIGURE_FORMATS = ("png", "pdf")
REPORT_FILE = "report.html"


def study_dir(study: str) -> str:
    """Where everything of ``study`` lives."""
    return f"results/{study}"


def tables_dir(study: str) -> str:
    """The small tables of ``study``: committed for the quoted studies, enough to redraw every figure."""
    return f"{study_dir(study)}/tables"


def figures_dir(study: str) -> str:
    return f"{study_dir(study)}/figures"


def report_path(study: str) -> str:
    return f"{study_dir(study)}/{REPORT_FILE}"


def per_run_table(name: str) -> str:
    """A per-run structure table's file, in the run's analysis folder."""
    return f"{name}.parquet"


def per_round_output(analysis: str) -> str:
    """A per-round analysis's output file, in the round's analysis folder."""
    return f"{analysis}.parquet"


def structure_table(name: str) -> str:
    """A structure table's file in the study's tables folder."""
    return f"structure_{name}.parquet"


def figure_file(stem: str, fmt: str = "png") -> str:
    """A figure's file in one of ``FIGURE_FORMATS``; the report inlines the PNG."""
    return f"{stem}.{fmt}"


def accuracy_figure(experiment: str) -> str:
    """The stem of a dimension experiment's accuracy figure."""
    return f"accuracy_{experiment}"


# Tables of measurements (times): never compared between two runs, as TIMING_TABLE.
MEASURED_TABLES = tuple(structure_table(name) for name in MEASURED)


def structure_figure(name: str, experiment: str) -> str:
    """The stem of one structure figure of one schedules experiment."""
    return f"structure_{name}_{experiment}"


def round_name(r: int | str) -> str:
    """A round's directory name: ``round_007`` for round 7, ``round_{r}`` for the rules' wildcard named ``r``."""
    return f"round_{r:03d}" if isinstance(r, int) else f"round_{{{r}}}"


def round_number(name: str) -> int:
    """``round_007`` -> 7."""
    return int(name.removeprefix("round_"))


def data_artifact(study: str, key: str) -> str:
    """A data artifact of ``study`` by its key (``plan.data_key``; ``{datakey}`` gives the rules' pattern)."""
    return f"{study_dir(study)}/data/{key}.safetensors"


def measured_dim_file(study: str, experiment: str) -> str:
    """The measured intrinsic dimensions of an experiment's data: a row per dimension and seed."""
    return f"{study_dir(study)}/measured_dim/{experiment}.parquet"


def reference_file(study: str, experiment: str) -> str:
    """The reference learner's accuracy on every data artifact of an experiment: a row per cell and seed."""
    return f"{study_dir(study)}/reference/{experiment}.parquet"


def logs_dir(study: str) -> str:
    """Every job's log of ``study``: the same relative path as its output, under this folder."""
    return f"{study_dir(study)}/logs"


def log_file(study: str, job: str) -> str:
    """The log of one job of ``study``, ``job`` naming it as its output's path does (``imp/.../round_001``)."""
    return f"{logs_dir(study)}/{job}.log"


def run_dir(study: str, run: str) -> str:
    """A run's folder of round directories, ``run`` its path (``plan.Run.path``: experiment/model/cell/seed<s>)."""
    return f"{study_dir(study)}/runs/{run}"


def analyses_dir(study: str, run: str) -> str:
    """A run's structure analyses: its per-run tables, and a folder per analysed round."""
    return f"{study_dir(study)}/analyses/{run}"
