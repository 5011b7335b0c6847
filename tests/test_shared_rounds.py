"""Round jobs that train several runs: each run's files equal the run trained alone; a failing run names itself
and the others' finished rounds survive Snakemake's deletion of the failed job's outputs."""

import contextlib
import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from prunability.cli import main
from prunability.data.loading import load_data
from prunability.data.registry import build_dataset
from prunability.errors import SharedRoundError
from prunability.imp import round as imp_round
from prunability.imp.recipe import Recipe
from prunability.imp.round import RoundSpec, run_round
from prunability.imp.shared_rounds import run_shared, salvage_dir
from prunability.layout import REWIND_FILE, ROUND_FILES

FILES = [*ROUND_FILES, REWIND_FILE]
COMPARED = [name for name in FILES if name != "timing.json"]  # wall time differs; the rest is bytes


def _specs(data: dict[int, Path], out: Path, round_: int, **common) -> list[RoundSpec]:
    """Round ``round_`` of one run per seed, under ``out/seed<s>``."""
    specs = []
    for seed, path in data.items():
        run = out / f"seed{seed}"
        previous = {} if round_ == 0 else {"previous": run / "round_000", "rewind": run / "round_000" / REWIND_FILE}
        specs.append(
            RoundSpec(
                data=path, out=run / f"round_{round_:03d}", round=round_, seed=seed, device="cpu", **previous, **common
            )
        )
    return specs


def _bytes(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.name in COMPARED}


def _chains_alone_and_shared(data: dict[int, Path], tmp_path: Path, **common) -> tuple[dict, dict]:
    """Two rounds of every run, alone and in shared jobs; the shared jobs train the seeds in the other order, so
    that state one run left in the process would reach a different run than it did alone."""
    for round_ in (0, 1):
        for spec in _specs(data, tmp_path / "alone", round_, **common):
            run_round(spec)
        run_shared(_specs(data, tmp_path / "shared", round_, **common)[::-1], [None] * len(data), FILES)
    return _bytes(tmp_path / "alone"), _bytes(tmp_path / "shared")


def test_runs_of_a_shared_job_equal_the_runs_trained_alone(tmp_path, tiny_params, recipe):
    data = {}
    for seed in (0, 1):
        data[seed] = tmp_path / f"data{seed}.safetensors"
        build_dataset("synthetic_linear", tiny_params, dimension=4, seed=seed, out=data[seed])
    alone, shared = _chains_alone_and_shared(data, tmp_path, model="mlp-16-8", recipe=recipe)
    assert len(alone) == 2 * (4 + 3) and alone == shared


def test_seeds_sharing_one_image_set_with_dropout_equal_the_runs_trained_alone(tmp_path, monkeypatch):
    """The image set is loaded once per shared job for both seeds, and VGG16's dropout reseeds torch's global
    generator."""
    images = tmp_path / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.9, "augment": False}, None, None, images)
    recipe = Recipe.from_dict({"lr": 0.05, "batch_size": 64, "duration": "1ep", "rewind": "2it"})
    loads = []
    monkeypatch.setattr(imp_round, "load_data", lambda *args: loads.append(args) or load_data(*args))
    alone, shared = _chains_alone_and_shared({0: images, 1: images}, tmp_path, model="vgg16-2", recipe=recipe, side=32)
    assert len(alone) == 2 * (4 + 3) and alone == shared
    assert len(loads) == 2 * 2 + 2  # two rounds: each run alone loads it, each shared job once


def _a_failed_shared_round(tmp_path: Path, params: dict, recipe, logs: list) -> tuple[RoundSpec, RoundSpec]:
    """Round 0 of two runs, then a shared round 1 whose second run fails (its rewind point is missing); return
    the first run's round and the second's as it should have been."""
    data = {0: tmp_path / "data.safetensors", 1: tmp_path / "data.safetensors"}
    build_dataset("synthetic_linear", params, dimension=4, seed=0, out=data[0])
    run_shared(_specs(data, tmp_path, 0, model="mlp-16-8", recipe=recipe), [None, None], FILES)
    good, fixed = _specs(data, tmp_path, 1, model="mlp-16-8", recipe=recipe)
    with pytest.raises(SharedRoundError, match=r"1 of 2 runs failed.*seed1/round_001: ArtifactError"):
        run_shared([good, replace(fixed, rewind=tmp_path / "nowhere.safetensors")], logs, FILES)
    return good, fixed


def test_a_failing_run_names_itself_and_the_others_round_is_restored(tmp_path, tiny_params, recipe):
    logs = [tmp_path / "good.log", tmp_path / "bad.log"]
    good, fixed = _a_failed_shared_round(tmp_path, tiny_params, recipe, logs)
    assert "nowhere.safetensors" in logs[1].read_text() and "test accuracy" in logs[0].read_text()
    made = _bytes(good.out)
    shutil.rmtree(good.out)  # what Snakemake does to every output of a failed job
    run_shared([good, fixed], logs, FILES)
    assert "restored" in logs[0].read_text() and _bytes(good.out) == made
    assert not salvage_dir(good.out).exists() and (fixed.out / "metrics.parquet").exists()


def _not_restored(good: RoundSpec, tmp_path: Path, changed: RoundSpec | None = None) -> bool:
    """Run ``changed`` (default: ``good``) where Snakemake deleted ``good``'s round: True if the kept round was
    dropped rather than put back; the kept round is itself kept for the next case."""
    kept, snapshot, log = salvage_dir(good.out), tmp_path / "snapshot", tmp_path / "again.log"
    shutil.rmtree(good.out, ignore_errors=True)
    shutil.copytree(kept, snapshot)
    with contextlib.suppress(SharedRoundError):  # a damaged input may fail the round: what counts is no restore
        run_shared([changed or good], [log], FILES)
    dropped = "restored" not in log.read_text() and not kept.exists()
    shutil.rmtree(kept, ignore_errors=True)
    snapshot.rename(kept)
    return dropped


def test_a_kept_round_made_from_other_inputs_or_settings_is_trained_again(tmp_path, tiny_params, recipe):
    good, _ = _a_failed_shared_round(tmp_path, tiny_params, recipe, [None, None])
    assert salvage_dir(good.out).is_dir()
    assert _not_restored(good, tmp_path, replace(good, prune_fraction=0.5)), "other settings"
    rewind = good.rewind.read_bytes()
    good.rewind.write_bytes(rewind[:-1] + bytes([rewind[-1] ^ 1]))
    assert _not_restored(good, tmp_path), "other bytes of an input"
    good.rewind.write_bytes(rewind)
    (salvage_dir(good.out) / "key.json").unlink()
    assert _not_restored(good, tmp_path), "no key: a salvage cut short"


def test_runs_are_given_as_a_list_or_as_single_run_flags_never_both(tmp_path, recipe):
    base = ["imp-round", "--model", "mlp-16-8", "--round", "0", "--recipe", "{}"]
    run = {"data": "d", "out": "o", "seed": 0, "identity": {"model": "mlp-16-8", "seed": 0}}
    with pytest.raises(SystemExit, match="drop --seed"):
        main([*base, "--runs", json.dumps([run]), "--seed", "0"])
    with pytest.raises(SystemExit, match="each run needs data, out, seed, identity"):
        main([*base, "--runs", json.dumps([{**run, "out": None} | {"oops": 1}])])
    with pytest.raises(SystemExit, match="does not name the run of model mlp-16-8, seed 1"):
        main([*base, "--runs", json.dumps([{**run, "seed": 1}])])
    with pytest.raises(SystemExit, match="needs --runs, or --data, --out"):
        main([*base, "--seed", "0"])
