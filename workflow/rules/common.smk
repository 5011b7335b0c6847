# Helpers shared by the rules: paths of every artifact and the per-run parameters the CLI takes.
import json
import os
import shlex

from prunability.operations.scripts import put_on_path
from prunability.structure.registry import ANALYSES as PER_ROUND_ANALYSES
from prunability.structure.registry import BY_NAME as PER_ROUND_BY_NAME
from prunability.config.plan import (
    analysed_cell,
    analysed_rounds,
    cell_jobs,
    cells,
    data_artifacts,
    is_structure,
    runs,
    stop_rule,
    training,
)
from prunability import layout
from prunability.layout import MASK_FILE, METRICS_FILE, REWIND_FILE, ROUND_FILES, TIMING_FILE, WEIGHTS_FILE, round_name

put_on_path()

STUDY = layout.study_dir(config["study"])
# A data artifact is named by what determines its content (config.data_key): images/<kind>-<digest>, shared by
# every seed and side, or <experiment>/dim<d>/seed<s> for generated data.
DATA = layout.data_artifact(config["study"], "{datakey}")
MEASURED = layout.measured_dim_file(config["study"], "{experiment}")
REFERENCE = layout.reference_file(config["study"], "{experiment}")


def run_pattern(seed: "int | str", cell: str = "{cell}") -> str:
    """A run's directory, named by its cell on the experiment's axis (dim<d> or p<P>e<E>) and its seed, each
    given literally or as a wildcard (``{cell}``, ``{seed}``)."""
    return layout.run_dir(config["study"], f"{{experiment}}/{{model}}/{cell}/seed{seed}")


RUN = run_pattern("{seed}")


def run_dir(run: "Run") -> str:
    return layout.run_dir(config["study"], run.path)


def analyses_dir(run: "Run") -> str:
    return layout.analyses_dir(config["study"], run.path)
# A round job trains one run (imp.runs_per_job: 1), the same round of every seed of one cell one after another
# (seeds), or of every cell and seed of one model (cells, in the experiments whose cells can share a job:
# plan.cell_jobs; the others share by seeds). A shared job's outputs name its seeds, and in a cells job its cells,
# literally; its wildcards are what its runs have in common.
SHARED_ROUNDS = config["imp"]["runs_per_job"] != 1
JOB_SEEDS = list(config["seeds"]) if SHARED_ROUNDS else ["{seed}"]
CELL_JOBS = cell_jobs(config)
# The experiment wildcard of the round rules whose jobs name a cell: any experiment but those of CELL_JOBS.
EXPERIMENTS_BY_CELL = "".join(f"(?!{e}/)" for e in CELL_JOBS) + r"[a-z][a-z0-9_]*"
ANALYSES = layout.analyses_dir(config["study"], "{experiment}/{model}/{cell}/seed{seed}")
ANALYSIS_LOGS = "analyses/{experiment}/{model}/{cell}/seed{seed}"  # under LOGS, as job_log names them
RUNS = {run.path: run for run in runs(config)}
DATASETS = data_artifacts(config)
DIMENSION_RUNS = [run for run in RUNS.values() if not is_structure(config["experiments"][run.experiment])]
STRUCTURE_RUNS = [run for run in RUNS.values() if is_structure(config["experiments"][run.experiment])]
LOGS = layout.logs_dir(config["study"])


def job_log(job: str) -> str:
    """A job's log, named like its output (``figures``, ``imp/<experiment>/.../round_001``)."""
    return layout.log_file(config["study"], job)
TABLE_DIR = layout.tables_dir(config["study"])
FIGURE_DIR = layout.figures_dir(config["study"])
ROUND_TABLES = {
    name: f"{TABLE_DIR}/{file}"
    for name, file in (
        ("rounds", layout.ROUNDS_TABLE),
        ("timing", layout.TIMING_TABLE),
        ("measured_dim", layout.MEASURED_TABLE),
    )
}
STATS_TABLES = [f"{TABLE_DIR}/{name}" for name in layout.STATS_TABLES]
STRUCTURE_TABLES = {name: f"{TABLE_DIR}/{layout.structure_table(name)}" for name in layout.STRUCTURE_TABLES}
FINGERPRINT_TABLE = f"{TABLE_DIR}/{layout.FINGERPRINT_TABLE}"
YARDSTICK_TABLES = {"reference": f"{TABLE_DIR}/{layout.REFERENCE_TABLE}", "adequacy": f"{TABLE_DIR}/{layout.ADEQUACY_TABLE}"}
# What the yardstick compares with each dataset's reference: every dense and pruned round of either study.
ACCURACY_TABLES = ([ROUND_TABLES["rounds"]] if DIMENSION_RUNS else []) + (
    [STRUCTURE_TABLES["accuracy"]] if STRUCTURE_RUNS else []
)
REFERENCES = [REFERENCE.format(experiment=e) for e in config["experiments"]]
# Each experiment's published dense accuracies by model, for the yardstick's "below published" flag.
PUBLISHED = json.dumps({e: x["expected_dense"] for e, x in config["experiments"].items()}, sort_keys=True)
# A study holds dimension experiments, structure experiments or both; each part exists only when it has runs.
TABLES = (
    ([*ROUND_TABLES.values(), *STATS_TABLES] if DIMENSION_RUNS else [])
    + (list(STRUCTURE_TABLES.values()) if STRUCTURE_RUNS else [])
    + [FINGERPRINT_TABLE, *YARDSTICK_TABLES.values()]
)
ACCURACY_FIGURES = [
    f"{FIGURE_DIR}/{layout.accuracy_figure(e)}" for e, x in config["experiments"].items() if not is_structure(x)
]
CORRELATION_FIGURE = f"{FIGURE_DIR}/{layout.CORRELATION_FIGURE}"
SENSITIVITY_FIGURE = f"{FIGURE_DIR}/{layout.SENSITIVITY_FIGURE}"
DIMENSION_FIGURES = [
    layout.figure_file(stem, ext)
    for stem in (*ACCURACY_FIGURES, CORRELATION_FIGURE, SENSITIVITY_FIGURE)
    for ext in layout.FIGURE_FORMATS
]
STRUCTURE_FIGURES = [
    f"{FIGURE_DIR}/{layout.figure_file(layout.structure_figure(name, e), ext)}"
    for e, x in config["experiments"].items()
    if is_structure(x)
    for name in layout.STRUCTURE_FIGURES
    for ext in layout.FIGURE_FORMATS
]
FIGURES = (DIMENSION_FIGURES if DIMENSION_RUNS else []) + STRUCTURE_FIGURES
REPORT = layout.report_path(config["study"])
# How each dimension experiment's chains end (config.stop_rule, null for fixed rounds), for the tables that say why.
STOP_RULES = json.dumps({e: stop_rule(config, e) for e, x in config["experiments"].items() if not is_structure(x)})
LABELS = " ".join(f"'{e}={x['label']}'" for e, x in config["experiments"].items() if not is_structure(x))
ENV = "../../envs/prunability.yaml"
# What decides a torch job's floating-point sums besides its inputs (prunability.numerics): the kernel pins and the
# config's thread count, passed as params (not Snakemake's {threads}, which --cores or a profile may change), so a
# change of either reruns the jobs it affects.
COMPUTE = dict(numerics=config["numerics"], threads=config["threads"])
CAPTIONS = os.path.join(workflow.basedir, "workflow", "report")


wildcard_constraints:
    experiment=r"[a-z][a-z0-9_]*",
    model=r"[a-z][a-z0-9]*(-[0-9]+)+",
    cell=r"dim[0-9]+|p[0-9]+e[0-9]+",
    datakey=r"images/[a-z0-9_]+-[0-9a-f]{10}|[a-z][a-z0-9_]*/dim[0-9]+/seed[0-9]+",
    dimension=r"[0-9]+",
    seed=r"[0-9]+",
    r=r"(?!000)[0-9]{3}",
    ar=r"[0-9]{3}",


def experiment(wildcards) -> dict:
    return config["experiments"][wildcards.experiment]


def run_of(wildcards) -> "Run":
    """The run the wildcards name."""
    return run_at(wildcards, wildcards.cell, wildcards.seed)


def run_at(wildcards, cell: str, seed: "int | str") -> "Run":
    """The run of ``cell`` and ``seed`` in the wildcards' experiment and model."""
    return RUNS[f"{wildcards.experiment}/{wildcards.model}/{cell}/seed{seed}"]


def member_patterns(cell_job: "str | None") -> list[tuple[str, "int | str"]]:
    """The (cell, seed) of a round job's runs as its rules name them: the generic rules' wildcards and shared
    seeds, or every cell and seed of experiment ``cell_job``."""
    if cell_job is None:
        return [("{cell}", s) for s in JOB_SEEDS]
    return [(c, s) for c, _ in cells(config["experiments"][cell_job]) for s in config["seeds"]]


def job_members(wildcards) -> list[tuple[str, int]]:
    """The (cell, seed) of every run a round job trains."""
    if wildcards.experiment in CELL_JOBS:
        return member_patterns(wildcards.experiment)
    seeds = config["seeds"] if SHARED_ROUNDS else [int(wildcards.seed)]
    return [(wildcards.cell, s) for s in seeds]


def run_log(seed: "int | str", folder: str, cell: str = "{cell}") -> str:
    """One run's log of one round (``folder``: round_000, round_{r} or round_<rrr>)."""
    return job_log(f"imp/{{experiment}}/{{model}}/{cell}/seed{seed}/{folder}")


def round_logs(folder: str, cell_job: "str | None" = None) -> dict:
    """A round job's logs: ``job``, what its process prints (a one-run job's whole log), and with shared jobs
    ``runs``, one per run, where each run's own progress goes."""
    if not SHARED_ROUNDS:
        return {"job": run_log("{seed}", folder)}
    runs = [run_log(s, folder, c) for c, s in member_patterns(cell_job)]
    shared = "{experiment}/{model}" if cell_job else "{experiment}/{model}/{cell}"
    return {"job": job_log(f"imp/{shared}/{folder}"), "runs": runs}


def job_outputs(folder: str, names: "tuple[str, ...]", cell_job: "str | None" = None) -> list[str]:
    """The files ``names`` of round ``folder`` (round_000 or round_{r}) of every run a round job trains."""
    return [f"{run_pattern(s, c)}/{folder}/{name}" for c, s in member_patterns(cell_job) for name in names]


def data_path(run: "Run") -> str:
    """The data artifact a run trains on."""
    return DATA.format(datakey=run.data_key)


def data_of(wildcards) -> str:
    """The data artifact the wildcards' run trains on."""
    return data_path(run_of(wildcards))


def job_data(wildcards) -> list[str]:
    """The data artifacts of a round job's runs (one, where its runs share an image set)."""
    return sorted({data_path(run_at(wildcards, c, s)) for c, s in job_members(wildcards)})


def side_flag(run: "Run") -> str:
    """``--side N`` where a run brings its images to N px per batch; nothing where it reads its inputs as stored."""
    return "" if run.side is None else f"--side {run.side}"


def side_arg(wildcards) -> str:
    return side_flag(run_at(wildcards, *job_members(wildcards)[0]))


def identity_json(wildcards) -> str:
    return json.dumps(run_of(wildcards).identity)


def dataset_args(wildcards) -> str:
    """What the dataset command needs beyond kind and parameters: the dimension and seed of generated data, and
    whether missing real files may be downloaded."""
    spec = DATASETS[wildcards.datakey]
    generated = "" if spec.seed is None else f"--dimension {spec.dimension} --seed {spec.seed}"
    return f"{generated} --download" if spec.download else generated


def measured_runs(experiment: str) -> list["Run"]:
    """A run of each dimension and seed of a dimension experiment: its data artifact and side are the ones
    measured for that dimension and seed."""
    picked = {}
    for run in DIMENSION_RUNS:
        if run.experiment == experiment:
            picked.setdefault((dict(run.axis)["dimension"], run.seed), run)
    return [picked[key] for key in sorted(picked)]


def measured_data(wildcards) -> list[str]:
    return sorted({data_path(run) for run in measured_runs(wildcards.experiment)})


def measured_artifacts(wildcards) -> str:
    """``--runs`` of the measure job: each measured artifact with its side and identity."""
    artifacts = [
        {
            "data": data_path(run),
            "side": run.side,
            "experiment": run.experiment,
            "seed": run.seed,
            "dimension": dict(run.axis)["dimension"],
        }
        for run in measured_runs(wildcards.experiment)
    ]
    return shlex.quote(json.dumps(artifacts))


def reference_entries(experiment: str) -> list[dict]:
    """The reference job's artifacts: each cell and seed of an experiment once, whichever models train on it."""
    entries = {}
    for run in RUNS.values():
        if run.experiment == experiment:
            identity = {k: v for k, v in run.identity.items() if k != "model"}
            entries.setdefault(json.dumps(identity), {"data": data_path(run), "identity": identity})
    return list(entries.values())


def reference_data(wildcards) -> list[str]:
    return sorted({entry["data"] for entry in reference_entries(wildcards.experiment)})


def reference_artifacts(wildcards) -> str:
    return shlex.quote(json.dumps(reference_entries(wildcards.experiment)))


def recipe_json(wildcards) -> str:
    """The training recipe of a round job's runs (they share it: plan.shares_cells)."""
    return json.dumps(training(experiment(wildcards), run_at(wildcards, *job_members(wildcards)[0])), sort_keys=True)


def round_files(directory: str) -> list[str]:
    return [f"{directory}/{name}" for name in ROUND_FILES]


def round_dir(wildcards, cell: str, seed: int, r: int) -> str:
    return f"{run_pattern(seed, cell)}/{round_name(r)}".format(**wildcards)


def job_previous(wildcards) -> list[str]:
    """The files of round r-1 of every run of a round job."""
    r = int(wildcards.r)
    return [f for c, s in job_members(wildcards) for f in round_files(round_dir(wildcards, c, s, r - 1))]


def rewind_of(wildcards, cell: str, seed: int) -> str:
    """A run's rewind point θk, written by its round 0."""
    return f"{round_dir(wildcards, cell, seed, 0)}/{REWIND_FILE}"


def job_rewinds(wildcards) -> list[str]:
    return [rewind_of(wildcards, c, s) for c, s in job_members(wildcards)]


def history(wildcards, cell: str, seed: int) -> list[str]:
    """With a stop rule: the metrics of round 0 and of the ``patience`` rounds before round r (none without)."""
    stop = stop_rule(config, wildcards.experiment)
    if stop is None:
        return []
    r = int(wildcards.r)
    return [
        f"{round_dir(wildcards, cell, seed, q)}/{METRICS_FILE}" for q in [0, *range(max(1, r - stop["patience"]), r)]
    ]


def job_history(wildcards) -> list[str]:
    return [f for c, s in job_members(wildcards) for f in history(wildcards, c, s)]


def job_runs(wildcards) -> str:
    """``--runs``: each run of a round job with its data, directory, identity, previous round, history and, in a
    shared job, its own log."""
    r = int(getattr(wildcards, "r", 0))
    entries = []
    for c, s in job_members(wildcards):
        run = run_at(wildcards, c, s)
        entry = {"data": data_path(run), "out": round_dir(wildcards, c, s, r), "seed": s}
        entry |= {"identity": run.identity}
        if SHARED_ROUNDS:
            entry |= {"log": run_log(s, round_name(r), c).format(**wildcards)}
        if r > 0:
            entry |= {"previous": round_dir(wildcards, c, s, r - 1), "rewind": rewind_of(wildcards, c, s)}
            entry |= {"history": history(wildcards, c, s)} if stop_rule(config, wildcards.experiment) else {}
        entries.append(entry)
    return shlex.quote(json.dumps(entries))


# The data jobs' priority: above every round job's work_left.
DATA_FIRST = 10**6


def work_left(wildcards) -> int:
    """A round job's priority: the run-rounds its chain has after it (rounds left times the runs each job trains).
    Snakemake starts the ready job of highest priority first, so the chains with the most serial work ahead
    advance first (a job of six runs holds its chain up three times as long as one of two), and no long chain is
    left to run alone at the end while a core idles (docs/performance.md)."""
    members = job_members(wildcards)
    return (run_at(wildcards, *members[0]).rounds - int(getattr(wildcards, "r", 0))) * len(members)


def stop_arg(wildcards) -> str:
    """``--stop <rule>`` where the experiment's chains stop; nothing where they run to the cap."""
    stop = stop_rule(config, wildcards.experiment)
    return "" if stop is None else f"--stop {shlex.quote(json.dumps(stop, sort_keys=True))}"


def output_dir(wildcards, output) -> str:
    return os.path.dirname(output[0])


def all_measured() -> list[str]:
    """The measured dimensions of every dimension experiment."""
    return [MEASURED.format(experiment=e) for e in sorted({run.experiment for run in DIMENSION_RUNS})]


def all_round_files(name: str, study_runs: list = DIMENSION_RUNS) -> list[str]:
    """``name`` (metrics.parquet, timing.json) of every round of every run of ``study_runs``."""
    return [f"{run_dir(run)}/{round_name(r)}/{name}" for run in study_runs for r in range(run.rounds + 1)]


def rounds_of_run(wildcards) -> list[str]:
    """Weights and masks of every round of one run: what the per-run structure analyses read."""
    run = run_of(wildcards)
    names = (WEIGHTS_FILE, MASK_FILE)
    return [f"{run_dir(run)}/{round_name(r)}/{n}" for r in range(run.rounds + 1) for n in names]


ALL_ROUND_ARTIFACTS = [f for name in ROUND_FILES for f in all_round_files(name, list(RUNS.values()))]


# The structure analyses (workflow/rules/structure.smk).
ANALYSIS_PARAMS = dict(
    identity=identity_json,
    settings=lambda w: experiment(w)["analysis"],
    device=config["device"],
    side=side_arg,
    **COMPUTE,
)


def per_round_outputs(name: str, first: int = 0) -> list[str]:
    """``name`` of every analysed round from ``first`` of every run of an analysed schedule."""
    return [
        f"{analyses_dir(run)}/{round_name(r)}/{name}"
        for run in STRUCTURE_RUNS
        if run.cell == analysed_cell(config["experiments"][run.experiment])
        for r in analysed_rounds(config["experiments"][run.experiment], run.rounds)
        if r >= first
    ]


RUN_TABLES = [layout.per_run_table(name) for name in layout.PER_RUN_TABLES]
RUN_ANALYSES = [f"{analyses_dir(run)}/{name}" for run in STRUCTURE_RUNS for name in RUN_TABLES]
PER_ROUND_OUTPUTS = [
    f for a in PER_ROUND_ANALYSES for f in per_round_outputs(layout.per_round_output(a.name), a.first_round)
]
ALL_ANALYSES = [*RUN_ANALYSES, *PER_ROUND_OUTPUTS]


def round_weights(wildcards, offset: int = 0) -> str:
    return f"{RUN}/{round_name(int(wildcards.ar) - offset)}/{WEIGHTS_FILE}".format(**wildcards)


# The rounds a per-round analysis reads, as offsets from the analysed round (prunability.structure.registry).
REFERENCE_OFFSETS = {"current": lambda ar: 0, "baseline": lambda ar: ar, "previous": lambda ar: 1}


def per_round_inputs(name: str):
    """A per-round analysis's inputs: the run's data, and the weights of the analysed round and its references."""
    rounds = ("current", *PER_ROUND_BY_NAME[name].references)

    def inputs(wildcards) -> dict:
        offsets = {r: REFERENCE_OFFSETS[r](int(wildcards.ar)) for r in rounds}
        return {"data": data_of(wildcards), **{r: round_weights(wildcards, o) for r, o in offsets.items()}}

    return inputs


def per_round_output(name: str) -> str:
    return f"{ANALYSES}/{round_name('ar')}/{layout.per_round_output(name)}"


def per_round_log(name: str) -> str:
    return job_log(f"{ANALYSIS_LOGS}/{round_name('ar')}/{name}")


def reference_args(wildcards, input) -> str:
    """``--baseline DIR --previous DIR``: the round directories of an analysis's references."""
    refs = [r for r in REFERENCE_OFFSETS if r != "current" and r in input.keys()]
    return " ".join(f"--{r} {os.path.dirname(input[r])}" for r in refs)


# Every per-round analysis's rule runs this; params.analysis names it (its subcommand).
PER_ROUND_SHELL = (
    "prunability --numerics {params.numerics} {params.analysis} --round-dir {params.round_dir} {params.references} "
    "--data {input.data} {params.side} --model {wildcards.model} --identity {params.identity:q} "
    "--settings {params.settings_json:q} --device {params.device} --threads {params.threads} --out {output} 2> {log}"
)
PER_ROUND_PARAMS = dict(
    round_dir=lambda w, input: os.path.dirname(input.current),
    references=reference_args,
    settings_json=lambda w: json.dumps(experiment(w)["analysis"], sort_keys=True),
    **ANALYSIS_PARAMS,
)
