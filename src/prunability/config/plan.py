"""The study a valid config implies: its runs, the cells of each experiment's axis, the data artifacts they read,
the chains of round jobs, each experiment's stop rule and each run's recipe. No torch, no pandas: the Snakefile
plans a study of thousands of jobs from this module alone."""

import hashlib
import json
from dataclasses import dataclass

from prunability.data.kinds import DOWNLOAD, NOT_CONTENT, SIDED
from prunability.matching import LENIENT, base_of


@dataclass(frozen=True)
class Run:
    """One IMP run: a cell of its experiment's axis (a dimension or a schedule), a model and a seed.

    ``axis`` holds the cell's own columns, ``(("dimension", 16),)`` or ``(("pretrain_epochs", 5),
    ("train_epochs", 150))``; tables carry exactly these, so no run has a column that means nothing for it.
    ``data_key`` names the data artifact it reads (``data/<data_key>.safetensors``), ``side`` the image side
    its batches are brought to (None: the artifact's own inputs).
    """

    experiment: str
    model: str
    cell: str
    seed: int
    rounds: int
    axis: tuple[tuple[str, int], ...]
    data_key: str
    side: int | None = None

    @property
    def path(self) -> str:
        return f"{self.experiment}/{self.model}/{self.cell}/seed{self.seed}"

    @property
    def identity(self) -> dict:
        """The columns that name this run in every table."""
        return {"experiment": self.experiment, "model": self.model, **dict(self.axis), "seed": self.seed}


@dataclass(frozen=True)
class DataSpec:
    """What generates one data artifact: the dataset kind, its parameters and, for generated data, the
    dimension and seed (None where the content depends on neither). ``download`` is how the job may fetch
    real files that are missing: not content, so not among the parameters that name the artifact."""

    kind: str
    params: str  # JSON, sorted keys
    dimension: int | None
    seed: int | None
    download: bool = False


def data_key(name: str, exp: dict, axis: tuple[tuple[str, int], ...], seed: int) -> str:
    """The artifact a run reads, keyed by what determines its content.

    Real images (``SIDED``) do not depend on the seed or the side: one artifact per distinct dataset, named by
    its kind and a digest of the parameters that shape its content, shared by every run and experiment that
    asks for the same. Generated data depends on the dimension and the seed: ``<experiment>/dim<d>/seed<s>``.
    """
    data = exp["dataset"]
    if data["kind"] in SIDED:
        return f"images/{data['kind']}-{_digest(_content(data))}"
    return f"{name}/dim{dict(axis)['dimension']}/seed{seed}"


def _content(data: dict) -> dict:
    return {k: v for k, v in data.items() if k not in NOT_CONTENT}


def _digest(params: dict) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:10]


def input_side(exp: dict, axis: tuple[tuple[str, int], ...]) -> int | None:
    """The side a run's images are brought to: its dimension (extrinsic) or the dataset's side (schedules)."""
    if exp["dataset"]["kind"] not in SIDED:
        return None
    return dict(axis).get("dimension") or exp["dataset"]["side"]


def data_artifacts(config: dict) -> dict[str, DataSpec]:
    """Every data artifact of the study by key, each once, whichever runs share it."""
    specs = {}
    for run in runs(config):
        data = config["experiments"][run.experiment]["dataset"]
        shared = data["kind"] in SIDED
        specs[run.data_key] = DataSpec(
            kind=data["kind"],
            params=json.dumps({k: v for k, v in _content(data).items() if k != "kind"}, sort_keys=True),
            dimension=None if shared else dict(run.axis)["dimension"],
            seed=None if shared else run.seed,
            download=bool(data.get(DOWNLOAD, False)),
        )
    return specs


def schedule_cell(schedule: dict) -> str:
    """``{"pretrain": 5, "train": 150}`` -> ``p5e150``."""
    return f"p{schedule['pretrain']}e{schedule['train']}"


def cells(exp: dict) -> list[tuple[str, tuple[tuple[str, int], ...]]]:
    """The (name, columns) of every cell an experiment varies."""
    if "schedules" in exp:
        return [
            (schedule_cell(s), (("pretrain_epochs", s["pretrain"]), ("train_epochs", s["train"])))
            for s in exp["schedules"]
        ]
    return [(f"dim{d}", (("dimension", d),)) for d in exp["dimensions"]]


def is_structure(exp: dict) -> bool:
    """A schedules experiment: the structure study, analysed from its checkpoints."""
    return "schedules" in exp


def analysed_cell(exp: dict) -> str:
    """The schedule whose every round gets the per-round analyses (zeroing, similarity)."""
    return schedule_cell(exp["analysis"].get("analysed") or exp["schedules"][0])


def analysed_rounds(exp: dict, rounds: int) -> list[int]:
    """Rounds that get the per-round analyses: every ``analysis.every``-th round from 0, and the last."""
    return sorted({*range(0, rounds + 1, exp["analysis"]["every"]), rounds})


def stop_rule(config: dict, name: str) -> dict | None:
    """Experiment ``name``'s stop rule as the round jobs take it (``stopping.StopRule.from_dict``), None for
    fixed rounds: its own ``stop`` (which replaces ``imp.stop`` whole) or ``imp.stop``. Canonical, so that only
    a change that can move a chain's end reruns its rounds: the base criteria resolved (``lenient``: those the
    study reports), and only the margins they use. A schedules experiment always prunes to the cap: its
    per-round analyses read every round."""
    exp = config["experiments"][name]
    stop = exp.get("stop", config["imp"]["stop"])
    if stop == "none" or is_structure(exp):
        return None
    stats = config["statistics"]
    lenient = stop["criterion"] == LENIENT
    criteria = base_of(stats["criteria"], stats["first_failure_of"]) if lenient else (stop["criterion"],)
    margins = {k: stats[k] for k, c in (("tolerance", "tolerance"), ("z", "noise")) if c in criteria}
    return {"criteria": list(criteria), "patience": stop["patience"], **margins}


def training(exp: dict, run: Run) -> dict:
    """The recipe of a run: a schedule sets the length (P + E epochs) and the rewind point (P epochs)."""
    values = dict(run.axis)
    if "pretrain_epochs" not in values:
        return exp["training"]
    p, e = values["pretrain_epochs"], values["train_epochs"]
    return {**exp["training"], "duration": f"{p + e}ep", "rewind": f"{p}ep"}


def runs(config: dict) -> list[Run]:
    """Every run of the study, in a stable order."""
    return [
        Run(
            name,
            model,
            cell,
            seed,
            exp.get("rounds", config["imp"]["rounds"]),
            axis,
            data_key(name, exp, axis, seed),
            input_side(exp, axis),
        )
        for name, exp in config["experiments"].items()
        for model in exp["models"]
        for cell, axis in cells(exp)
        for seed in config["seeds"]
    ]


def shares_cells(exp: dict) -> bool:
    """Whether the cells of an experiment can share a round job: every cell trains the same recipe on inputs of
    the same shape (a schedule's cells differ in recipe, an image set brought to each cell's side in shape)."""
    return not is_structure(exp) and exp["dataset"]["kind"] not in SIDED


def cell_jobs(config: dict) -> list[str]:
    """The experiments whose round jobs train every cell and seed of one model (``imp.runs_per_job: cells``)."""
    if config["imp"]["runs_per_job"] != "cells":
        return []
    return [name for name, exp in config["experiments"].items() if shares_cells(exp)]


def job_chains(config: dict) -> list[list[Run]]:
    """The runs each chain of round jobs trains (``imp.runs_per_job``): one run, every seed of one cell, or
    every cell and seed of one model where the cells can share a job (``cells``; else every seed of a cell)."""
    per_job, shared = config["imp"]["runs_per_job"], cell_jobs(config)
    chains: dict[tuple, list[Run]] = {}
    for run in runs(config):
        if run.experiment in shared:
            key: tuple = (run.experiment, run.model)
        else:
            key = (run.experiment, run.model, run.cell, None if per_job != 1 else run.seed)
        chains.setdefault(key, []).append(run)
    return list(chains.values())


def describe(config: dict) -> str:
    """One line: the study's name, its runs, its IMP rounds and the round jobs they take."""
    study = runs(config)
    rounds = sum(run.rounds + 1 for run in study)
    jobs = sum(chain[0].rounds + 1 for chain in job_chains(config))
    return f"study {config['study']!r} has {len(study)} runs, {rounds} IMP rounds in {jobs} round jobs"
