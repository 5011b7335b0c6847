"""Config validation: defaults filled, and every bad config stopped with the key and what is allowed."""

import copy
from pathlib import Path

import pytest
import yaml

from prunability.config.plan import analysed_cell, analysed_rounds, data_artifacts, runs, stop_rule, training
from prunability.config.validation import load, validate
from prunability.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def _good() -> dict:
    return {
        "study": "t",
        "experiments": {
            "task": {
                "dimensions": [2, 4],
                "models": ["mlp-8-4"],
                "dataset": {
                    "kind": "synthetic_linear",
                    "intrinsic_dim": 4,
                    "extrinsic_dim": 8,
                    "n_train": 64,
                    "n_test": 32,
                },
            }
        },
    }


def test_defaults_are_filled():
    config = validate(_good())
    assert config["seeds"] == [0, 1] and config["imp"]["prune_fraction"] == 0.2
    assert config["experiments"]["task"]["training"]["optimizer"] == "sgd"
    assert config["statistics"]["rollouts"] == 5000
    assert len(runs(config)) == 4


@pytest.mark.parametrize(
    "path",
    sorted([ROOT / "config.yaml", *(ROOT / "workflow" / "studies").glob("*.yaml")]),
    ids=lambda p: p.name,
)
def test_shipped_configs_are_valid(path):
    assert load(path)["study"]


def _set(config: dict, dotted: str, value) -> dict:
    config = copy.deepcopy(config)
    *parents, last = dotted.split(".")
    node = config
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[last]
    else:
        node[last] = value
    return config


DELETE = object()
BAD = [
    ("study", "my study!", "config.study", "does not match"),
    ("seeds", [-1], "config.seeds[0]", "less than the minimum of 0"),
    ("seeds", "0", "config.seeds", "not of type 'array'"),
    ("device", "tpu", "config.device", "is not one of"),
    ("imp", {"rounds": 0}, "config.imp.rounds", "less than the minimum of 1"),
    ("imp", {"prune_fraction": 1.0}, "config.imp.prune_fraction", "greater than or equal to the maximum"),
    ("imp", {"round": 3}, "config.imp", "allowed keys: ignore, prune_fraction, rounds, runs_per_job, stop"),
    ("imp", {"stop": "never"}, "config.imp.stop", "is not valid under any of the given schemas"),
    ("imp", {"stop": {"patience": 0}}, "config.imp.stop", "is not valid under any of the given schemas"),
    ("colour", "blue", "config", "'colour' was unexpected"),
    ("statistics", {"tolerance": -0.1}, "config.statistics.tolerance", "less than the minimum"),
    ("experiments.task.dimensions", [], "config.experiments.task.dimensions", "should be non-empty"),
    ("experiments.task.models", ["MLP 8"], "config.experiments.task.models[0]", "does not match"),
    ("experiments.task.dataset", {"kind": "cifar"}, "config.experiments.task.dataset.kind", "is not one of"),
    ("experiments.task.dataset.n_train", "many", "config.experiments.task.dataset.n_train", "not of type"),
    ("experiments.task.dataset.noise", 0.1, "config.experiments.task.dataset", "'noise' was unexpected"),
    (
        "experiments.task.training",
        {"duration": "10 epochs"},
        "config.experiments.task.training.duration",
        "does not match",
    ),
    ("experiments.task.training", {"lr": 0}, "config.experiments.task.training.lr", "less than or equal"),
    (
        "experiments.task.training",
        {"optimizer": "lamb"},
        "config.experiments.task.training.optimizer",
        "is not one of",
    ),
    ("experiments.task.dataset", DELETE, "config.experiments.task", "'dataset' is a required property"),
    ("experiments.Task", _good()["experiments"]["task"], "config.experiments", "does not match"),
    # checks beyond the schema
    ("experiments.task.dimensions", [2, 8], "config.experiments.task.dimensions", "exceed intrinsic_dim 4"),
    ("experiments.task.models", ["vgg-16"], "config.experiments.task.models", "unknown model family 'vgg'"),
    (
        "experiments.task.training",
        {"duration": "2ep", "rewind": "2ep"},
        "config.experiments.task.training.rewind",
        "not before the end of training",
    ),
]


@pytest.mark.parametrize(("key", "value", "where", "message"), BAD, ids=[f"{b[0]}={b[1]!r}"[:40] for b in BAD])
def test_bad_config_names_the_key_and_what_is_allowed(key, value, where, message):
    with pytest.raises(ConfigError) as info:
        validate(_set(_good(), key, value))
    text = str(info.value)
    assert f"{where}:" in text and message in text, text


def test_every_problem_is_listed_at_once():
    bad = _set(_set(_good(), "device", "tpu"), "imp", {"rounds": -2})
    with pytest.raises(ConfigError) as info:
        validate(bad)
    text = str(info.value)
    assert "config.device" in text and "config.imp.rounds" in text


def test_cli_check_config_reports_bad_file(tmp_path, capsys):
    from prunability.cli import main

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(_set(_good(), "seeds", [-3])))
    with pytest.raises(SystemExit) as info:
        main(["check-config", str(path)])
    assert "config.seeds[0]" in str(info.value.code)


def test_an_experiment_may_override_the_number_of_rounds():
    config = _good()
    config["imp"] = {"rounds": 5}
    config["experiments"]["short"] = {**copy.deepcopy(config["experiments"]["task"]), "rounds": 2}
    rounds = {run.experiment: run.rounds for run in runs(validate(config))}
    assert rounds == {"task": 5, "short": 2}


def _structure() -> dict:
    return {
        "study": "s",
        "seeds": [0, 3],
        "imp": {"rounds": 7},
        "experiments": {
            "structure": {
                "schedules": [{"pretrain": 1, "train": 4}, {"pretrain": 5, "train": 150}],
                "models": ["resnet20-2", "vgg16-8"],
                "dataset": {"kind": "cifar10_resized", "side": 32},
                "training": {"lr": 0.1, "duration": "9ep", "rewind": "2ep"},
                "analysis": {"analysed": {"pretrain": 5, "train": 150}, "every": 3},
            }
        },
    }


def test_a_run_is_named_by_the_axis_its_experiment_declares():
    dimension = runs(validate(_good()))[0]
    assert dimension.path == "task/mlp-8-4/dim2/seed0" and dimension.data_key == "task/dim2/seed0"
    assert dimension.identity == {"experiment": "task", "model": "mlp-8-4", "dimension": 2, "seed": 0}
    config = validate(_structure())
    study = runs(config)
    assert len(study) == 2 * 2 * 2
    run = next(r for r in study if r.path == "structure/vgg16-8/p5e150/seed3")
    assert run.identity == {
        "experiment": "structure",
        "model": "vgg16-8",
        "pretrain_epochs": 5,
        "train_epochs": 150,
        "seed": 3,
    }
    assert run.data_key.startswith("images/cifar10_resized-") and run.side == 32 and dimension.side is None
    exp = config["experiments"]["structure"]
    recipe = training(exp, run)
    assert (recipe["duration"], recipe["rewind"], recipe["lr"]) == ("155ep", "5ep", 0.1)  # P + E, rewind after P
    assert analysed_cell(exp) == "p5e150" and analysed_rounds(exp, run.rounds) == [0, 3, 6, 7]


STRUCTURE_BAD = [
    ("experiments.structure.dimensions", [2], "config.experiments.structure", "exactly one axis"),
    ("experiments.structure.schedules", DELETE, "config.experiments.structure", "exactly one axis"),
    ("experiments.structure.models", ["mlp-8-4"], "config.experiments.structure.models", "mlp-8-4 has no stage map"),
    ("experiments.structure.dataset", {"kind": "cifar10_resized"}, ".dataset.side", "needs the image side"),
    ("experiments.structure.dataset", {"kind": "synthetic_linear"}, ".structure.dataset", "needs image data"),
    ("experiments.structure.analysis.analysed", {"pretrain": 2, "train": 4}, ".analysed", "not one of the schedules"),
    ("experiments.structure.schedules", [{"pretrain": 0, "train": 4}], ".schedules[0].pretrain", "minimum of 1"),
]


@pytest.mark.parametrize(("key", "value", "where", "message"), STRUCTURE_BAD, ids=[b[3] for b in STRUCTURE_BAD])
def test_bad_structure_experiment_is_refused_before_any_job(key, value, where, message):
    with pytest.raises(ConfigError) as info:
        validate(_set(_structure(), key, value))
    text = str(info.value)
    assert f"{where}:" in text and message in text, text


def test_runs_of_every_seed_and_side_share_one_artifact_of_real_images():
    config = validate(_structure())
    config["experiments"]["extrinsic"] = {
        "dimensions": [16, 64],
        "models": ["resnet20-2"],
        "dataset": {"kind": "cifar10_resized"},
        "training": {"lr": 0.1, "duration": "9ep", "rewind": "2ep"},
    }
    config["experiments"]["task"] = _good()["experiments"]["task"]
    config = validate(config)
    study = runs(config)
    images = {(r.experiment, r.data_key) for r in study if r.experiment != "task"}
    # the structure experiment's side does not change CIFAR-10's content: one artifact for both experiments
    assert len({key for _, key in images}) == 1 and {r.side for r in study if r.experiment == "extrinsic"} == {16, 64}
    generated = {r.data_key for r in study if r.experiment == "task"}
    assert len(generated) == len(config["seeds"]) * len(config["experiments"]["task"]["dimensions"])
    artifacts = data_artifacts(config)
    assert set(artifacts) == {key for _, key in images} | generated
    shared = artifacts[images.pop()[1]]
    assert (shared.kind, shared.dimension, shared.seed) == ("cifar10_resized", None, None)
    config["experiments"]["extrinsic"]["dataset"]["download"] = True  # how to fetch it, not what it holds
    assert len({r.data_key for r in runs(config) if r.experiment != "task"}) == 1
    config["experiments"]["extrinsic"]["dataset"]["augment"] = False  # another content: another artifact
    assert len({r.data_key for r in runs(config) if r.experiment != "task"}) == 2


def test_chains_stop_by_default_and_an_experiment_may_prune_to_the_cap():
    config = _good()
    config["statistics"] = {"criteria": ["tolerance", "first-failure"]}
    config["experiments"]["fixed"] = {**copy.deepcopy(config["experiments"]["task"]), "stop": "none"}
    config["experiments"]["quick"] = {**copy.deepcopy(config["experiments"]["task"]), "stop": {"patience": 1}}
    config = validate(config)
    # lenient: the base criteria reported (first-failure follows strict), and only the margins they use
    assert stop_rule(config, "task") == {"criteria": ["strict", "tolerance"], "patience": 3, "tolerance": 0.005}
    assert stop_rule(config, "fixed") is None
    assert stop_rule(config, "quick")["patience"] == 1
    config["experiments"]["noisy"] = {**config["experiments"]["quick"], "stop": {"criterion": "noise", "patience": 3}}
    assert stop_rule(config, "noisy") == {"criteria": ["noise"], "patience": 3, "z": 1.96}


def test_a_schedules_experiment_prunes_to_the_cap():
    structure = yaml.safe_load((ROOT / "workflow" / "studies" / "structure.yaml").read_text())
    config = validate(copy.deepcopy(structure))
    assert config["imp"]["stop"] != "none" and not any(stop_rule(config, e) for e in config["experiments"])
    name = next(iter(structure["experiments"]))
    structure["experiments"][name]["stop"] = {"patience": 2}
    with pytest.raises(ConfigError, match=rf"experiments.{name}.stop: a schedules experiment prunes every run"):
        validate(structure)


def test_round_jobs_are_shared_by_the_seeds_of_a_cell_unless_one_run_per_job_or_every_cell(tmp_path, capsys):
    from prunability.cli import main

    config = _set(_good(), "seeds", [0, 1, 2])
    assert validate(copy.deepcopy(config))["imp"]["runs_per_job"] == "seeds"
    for runs_per_job, jobs in (("seeds", 2 * 11), (1, 6 * 11), ("cells", 11)):  # 2 cells x 3 seeds, rounds 0-10
        path = tmp_path / "c.yaml"
        path.write_text(yaml.safe_dump(_set(copy.deepcopy(config), "imp", {"runs_per_job": runs_per_job})))
        main(["check-config", str(path)])
        assert f"6 runs, 66 IMP rounds in {jobs} round jobs" in capsys.readouterr().out
    with pytest.raises(ConfigError, match=r"config\.imp\.runs_per_job"):
        validate(_set(copy.deepcopy(config), "imp", {"runs_per_job": 2}))
