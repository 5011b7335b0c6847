"""Study configuration: JSON-schema validation with defaults, and the runs a config implies.

Validation happens before any job runs (the Snakefile calls ``validate``); every problem is reported with
the dotted key it concerns and what is allowed there.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import yaml

from prunability.errors import ConfigError
from prunability.models.registry import parse_name
from prunability.recipe import Recipe, to_steps

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
        data = exp["dataset"]
        if data["kind"] == "synthetic_linear":
            d, big_d = data["intrinsic_dim"], data["extrinsic_dim"]
            if d > big_d:
                yield f"{where}.dataset: intrinsic_dim {d} exceeds extrinsic_dim {big_d}"
            too_big = [d for d in exp["dimensions"] if d > data["intrinsic_dim"]]
            if too_big:
                yield f"{where}.dimensions: task dimensions {too_big} exceed intrinsic_dim {data['intrinsic_dim']}"
        if data["kind"] == "biggan_latent" and max(exp["dimensions"]) > 128:
            yield f"{where}.dimensions: BigGAN latents have 128 components; got {max(exp['dimensions'])}"
        recipe, n = Recipe.from_dict(exp["training"]), _train_size(data)
        if n:
            spe = -(-n // recipe.batch_size)
            if to_steps(recipe.rewind, spe) >= to_steps(recipe.duration, spe):
                yield f"{where}.training.rewind: {recipe.rewind} is not before the end of training ({recipe.duration})"


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
    """One IMP run: a (experiment, model, dimension, seed) cell of the study, and its number of rounds."""

    experiment: str
    model: str
    dimension: int
    seed: int
    rounds: int

    @property
    def path(self) -> str:
        return f"{self.experiment}/{self.model}/dim{self.dimension}/seed{self.seed}"


def runs(config: dict) -> list[Run]:
    """Every run of the study, in a stable order."""
    return [
        Run(name, model, dim, seed, exp.get("rounds", config["imp"]["rounds"]))
        for name, exp in config["experiments"].items()
        for model in exp["models"]
        for dim in exp["dimensions"]
        for seed in config["seeds"]
    ]
