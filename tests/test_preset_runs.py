"""Every paper-scale preset starts: its data jobs and its first round job run through the workflow on tiny files
in the real on-disk formats (CIFAR-10 batches, Tiny ImageNet JPEGs, BigGAN weights), with the preset's recipe cut
to a few steps and its data to a few examples; absent data stops it with the message that says where to put it.

Only the sizes change: each preset keeps its dataset kinds, models, optimiser, schedule and augmentation, so a
preset that cannot start on the real data fails here (the dry runs of test_presets cannot see a job's failure).
"""

import copy
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, snakemake
from real_formats import tiny_biggan_config, write_biggan, write_cifar, write_tinyimagenet

from prunability.config.plan import data_artifacts, is_structure, runs
from prunability.config.validation import validate
from prunability.layout import METRICS_FILE, data_artifact, log_file, round_name, run_dir

PRESETS = sorted((ROOT / "workflow" / "studies").glob("*.yaml"))
# The few steps a cut recipe trains: the rewind point, then two more.
CUT = {"duration": "3it", "rewind": "1it"}
# Tiny ImageNet's real classes number 200; VGG16 takes its output width from the data.
SIZES = {
    "synthetic_linear": {"n_train": 64, "n_test": 32},
    "biggan_latent": {"per_class": 2, "test_per_class": 1},
}


def _data_files(tmp_path: Path) -> dict[str, dict]:
    """The dataset keys each real-data kind reads, pointing at tiny files this test writes once."""
    from prunability.data.biggan import load_generator

    write_cifar(tmp_path / "cifar10")
    write_tinyimagenet(tmp_path / "tiny-imagenet")
    biggan = write_biggan(tmp_path / "biggan", load_generator(None, tiny_biggan_config(num_classes=1000)))
    return {
        "cifar10_resized": {"root": str(tmp_path / "cifar10")},
        "tinyimagenet": {"root": str(tmp_path / "tiny-imagenet")},
        "biggan_latent": {"weights": str(biggan)},
    }


def tiny_preset(preset: Path, files: dict[str, dict]) -> dict:
    """The preset with one seed, one thread, tiny data and its recipe cut to a few steps (a schedules experiment
    keeps one schedule of a 1-epoch rewind point and 2 training epochs: one step each on the tiny images)."""
    config = yaml.safe_load(preset.read_text())
    config |= {"seeds": config["seeds"][:1], "threads": 1, "device": "cpu"}
    for exp in config["experiments"].values():
        kind = exp["dataset"]["kind"]
        exp["dataset"] |= SIZES.get(kind, {}) | files.get(kind, {})
        if "schedules" in exp:
            exp["schedules"] = [{"pretrain": 1, "train": 2}]
            exp["analysis"] = {k: v for k, v in exp.get("analysis", {}).items() if k != "analysed"}
        else:
            exp["training"] |= CUT
    return config


def configured(config: dict, workdir: Path) -> tuple[dict, str]:
    """The config validated with its defaults, and the flag that runs the workflow on it (an absolute path: a
    relative one is read from the caller's folder, not the workflow's)."""
    (workdir / "config.yaml").write_text(yaml.safe_dump(config))
    return validate(copy.deepcopy(config)), f"--configfile={workdir / 'config.yaml'}"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict]:
    return _data_files(tmp_path_factory.mktemp("real-formats"))


@pytest.mark.slow
@pytest.mark.parametrize("preset", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_data_and_first_round_run(preset: Path, files: dict[str, dict], tmp_path: Path):
    plan, configfile = configured(tiny_preset(preset, files), tmp_path)
    study, first = plan["study"], runs(plan)[0]
    data = [data_artifact(study, key) for key in data_artifacts(plan)]
    round0 = f"{run_dir(study, first.path)}/{round_name(0)}/{METRICS_FILE}"
    snakemake(tmp_path, *data, round0, configfile)
    assert all((tmp_path / path).stat().st_size > 0 for path in data)
    assert (tmp_path / round0).stat().st_size > 0
    if any(is_structure(exp) for exp in plan["experiments"].values()):
        assert len(data) == 2  # CIFAR-10 and Tiny ImageNet, each once


@pytest.mark.slow
@pytest.mark.parametrize(
    ("preset", "kind", "says"),
    [
        ("extrinsic", "cifar10_resized", "CIFAR-10 is missing from"),
        ("structure", "tinyimagenet", "tiny-imagenet-200.zip"),
        ("intrinsic", "biggan_latent", "BigGAN weights not found"),
    ],
)
def test_absent_data_stops_the_preset_saying_where_to_put_it(preset, kind, says, files, tmp_path: Path):
    absent = {k: v for k, v in files.items() if k != kind}
    absent[kind] = {"weights": str(tmp_path / "nowhere")} if kind == "biggan_latent" else {"root": str(tmp_path)}
    plan, configfile = configured(tiny_preset(ROOT / "workflow" / "studies" / f"{preset}.yaml", absent), tmp_path)
    key = next(k for k, spec in data_artifacts(plan).items() if spec.kind == kind)
    done = snakemake(tmp_path, data_artifact(plan["study"], key), configfile, check=False)
    assert done.returncode != 0
    log = (tmp_path / log_file(plan["study"], f"data/{key}")).read_text()
    assert says in log and str(tmp_path) in log
    assert not (tmp_path / data_artifact(plan["study"], key)).exists()
