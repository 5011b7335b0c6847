"""Study configuration: JSON-schema validation with defaults, and the checks the schema cannot express.

Validation happens before any job runs (the Snakefile calls ``validate``); every problem is reported with
the dotted key it concerns and what is allowed there. The schema ships inside the package (``schema.yaml``).
"""

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import jsonschema
import yaml

from prunability.config.plan import is_structure
from prunability.data.kinds import KINDS, LATENT_DIM, SIDED
from prunability.errors import ConfigError
from prunability.imp.recipe import Recipe, to_steps
from prunability.models.names import STAGED, parse_name
from prunability.structure.registry import ANALYSES


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


def load_schema() -> dict:
    """The config schema shipped in the package (found the same in an editable and a regular install), with the
    keys each registered per-round analysis adds to an experiment's ``analysis`` block."""
    schema = yaml.safe_load(files("prunability.config").joinpath("schema.yaml").read_text())
    for analysis in ANALYSES:
        schema["$defs"]["analysis"]["properties"].update(analysis.config)
    return schema


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
        if KINDS[data["kind"]].latent and max(exp["dimensions"]) > LATENT_DIM:
            yield f"{where}.dimensions: BigGAN latents have {LATENT_DIM} components; got {max(exp['dimensions'])}"
        recipe, n = Recipe.from_dict(exp["training"]), KINDS[data["kind"]].train_size(data)
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
        if family not in STAGED:
            yield f"{where}.models: {model} has no stage map for the structure analyses; with one: {sorted(STAGED)}"
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


def analysis_defaults() -> dict:
    """The defaults of an experiment's ``analysis`` block: what a per-round analysis run by hand is given."""
    properties = load_schema()["$defs"]["analysis"]["properties"]
    return {key: spec["default"] for key, spec in properties.items() if "default" in spec}
