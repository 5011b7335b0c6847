"""Study configuration: JSON-schema validation with defaults, and the runs a config implies.

Validation happens before any job runs (the Snakefile calls ``validate``); every problem is reported with
the dotted key it concerns and what is allowed there.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from prunability.criteria import LENIENT, base_of
from prunability.errors import ConfigError
from prunability.models.registry import STAGES, parse_name
from prunability.recipe import Recipe, to_steps

# Real images: their artifact holds them once, at their own resolution, whatever the seed; each run brings them
# to its side (an extrinsic dimension, or a schedules experiment's dataset.side) batch by batch on the device.
SIDED = ("digits_resized", "cifar10_resized", "tinyimagenet")
# Dataset keys that say how a run uses or fetches the images, not what they are: they do not name the artifact.
# (``root`` does: another folder may hold other files.)
NOT_CONTENT = ("side", "download")
SCHEMA = Path(__file__).resolve().parents[2] / "workflow" / "schemas" / "config.schema.yaml"


def _with_defaults(cls: type) -> type:
    """A validator class that also fills in ``default`` values of properties (in place)."""
    check_properties = cls.VALIDATORS["properties"]

    def properties(validator, props, instance, schema):
        if isinstance(instance, dict):
            for key, sub in props.items():
                if "default" in sub and key not in instance:
                    instance[key] = yaml.safe_load(yaml.safe_dump(sub["default"]))
        yield from check_properties(validator, props, instance, schema)

    return jsonschema.validators.extend(cls, {"properties": properties})


def _key(path) -> str:
    out = "config"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _describe(error: jsonschema.ValidationError) -> str:
    """One line: the key, what is wrong, and what the schema allows there."""
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{_key(error.absolute_path)}: {error.message}; allowed keys: {', '.join(allowed) or 'none'}"
    hint = error.schema.get("description")
    return f"{_key(error.absolute_path)}: {error.message}" + (f" ({hint})" if hint else "")


def load_schema(path: Path = SCHEMA) -> dict:
    return yaml.safe_load(Path(path).read_text())


def _train_size(data: dict) -> int | None:
    """Training examples a dataset will have, where the config alone says (for the rewind-before-end check)."""
    if data["kind"] == "synthetic_linear":
        return data["n_train"]
    if data["kind"] == "digits_resized":
        return 1797 - round(data["test_fraction"] * 1797)
    if data["kind"] == "biggan_latent":
        return data["per_class"] * len(data["class_ids"])
    if data["kind"] == "procedural_latent":
        return data["per_class"] * data["classes"]
    return 50000 if data["kind"] == "cifar10_resized" else None


def _semantic_problems(config: dict) -> Iterator[str]:
    """Checks the schema cannot express: names that must parse, dimensions that must fit, k < T."""
    for name, exp in config["experiments"].items():
        where = f"config.experiments.{name}"
        for model in exp["models"]:
            try:
                parse_name(model)
            except ValueError as err:
                yield f"{where}.models: {err}"
        if ("dimensions" in exp) == ("schedules" in exp):
            yield f"{where}: give exactly one axis, dimensions or schedules"
            continue
        if is_structure(exp):
            yield from _structure_problems(exp, where)
            if exp.get("stop", "none") != "none":
                yield f"{where}.stop: a schedules experiment prunes every run to the cap (its analyses read each round)"
            continue
        data = exp["dataset"]
        if data["kind"] == "synthetic_linear":
            d, big_d = data["intrinsic_dim"], data["extrinsic_dim"]
            if d > big_d:
                yield f"{where}.dataset: intrinsic_dim {d} exceeds extrinsic_dim {big_d}"
            too_big = [d for d in exp["dimensions"] if d > data["intrinsic_dim"]]
            if too_big:
                yield f"{where}.dimensions: task dimensions {too_big} exceed intrinsic_dim {data['intrinsic_dim']}"
        if data["kind"] in ("biggan_latent", "procedural_latent") and max(exp["dimensions"]) > 128:
            yield f"{where}.dimensions: BigGAN latents have 128 components; got {max(exp['dimensions'])}"
        recipe, n = Recipe.from_dict(exp["training"]), _train_size(data)
        if n:
            spe = -(-n // recipe.batch_size)
            if to_steps(recipe.rewind, spe) >= to_steps(recipe.duration, spe):
                yield f"{where}.training.rewind: {recipe.rewind} is not before the end of training ({recipe.duration})"


def _structure_problems(exp: dict, where: str) -> Iterator[str]:
    """A schedules experiment needs image data at a fixed side, models with a stage map, a known analysed schedule."""
    data = exp["dataset"]
    if data["kind"] not in SIDED:
        yield f"{where}.dataset: a schedules experiment needs image data ({', '.join(SIDED)}); got {data['kind']}"
    elif "side" not in data:
        yield f"{where}.dataset.side: a schedules experiment needs the image side in pixels"
    for model in exp["models"]:
        family = model.split("-")[0]
        if family not in STAGES:
            yield f"{where}.models: {model} has no stage map for the structure analyses; with one: {sorted(STAGES)}"
    analysed = exp["analysis"].get("analysed")
    if analysed and analysed not in exp["schedules"]:
        yield f"{where}.analysis.analysed: {analysed} is not one of the schedules"


def validate(config: dict, schema: dict | None = None) -> dict:
    """Fill defaults into ``config`` in place and return it; raise ``ConfigError`` listing every problem."""
    schema = schema or load_schema()
    validator = _with_defaults(jsonschema.Draft202012Validator)(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    problems = [_describe(e) for e in errors]
    if not problems:
        problems = list(_semantic_problems(config))
    if problems:
        raise ConfigError("invalid config:\n  " + "\n  ".join(problems))
    return config


def load(path: str | Path) -> dict:
    """Read and validate a YAML config file."""
    return validate(yaml.safe_load(Path(path).read_text()) or {})


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
    dimension and seed (None where the content depends on neither)."""

    kind: str
    params: str  # JSON, sorted keys
    dimension: int | None
    seed: int | None


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


def job_chains(study: list[Run], runs_per_job: int | str) -> list[list[Run]]:
    """The runs each chain of round jobs trains (``imp.runs_per_job``): one run, or every seed of one cell."""
    chains: dict[tuple, list[Run]] = {}
    for run in study:
        key = (run.experiment, run.model, run.cell, None if runs_per_job == "seeds" else run.seed)
        chains.setdefault(key, []).append(run)
    return list(chains.values())
