"""Portable numerics: every job pins torch's CPU kernels, records what it ran with, and the pins decide the bytes."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from helpers import ROOT, snakemake

from prunability import numerics
from prunability.data.registry import build_dataset
from prunability.dimensionality.tables import collect_fingerprints
from prunability.reporting.compare import (
    EQUAL,
    EXPECTED,
    REGRESSION,
    UNKNOWN,
    WITHIN,
    committed_tables,
    compare,
    compare_with_git,
    message,
)

PINNABLE = numerics.is_x86_64() and set(numerics.REQUIRED_FLAGS) <= numerics.cpu_flags()
needs_x86_64_v3 = pytest.mark.skipif(not PINNABLE, reason="portable numerics pin x86-64-v3 kernels")
CLI = [sys.executable, "-m", "prunability.cli"]
CONV_RECIPE = {"optimizer": "sgd", "lr": 0.05, "batch_size": 64, "duration": "1ep", "rewind": "2it"}


def _env(**extra: str) -> dict[str, str]:
    """The caller's environment without any pin or mode, plus ``extra``: what a user's shell might hold."""
    env = {k: v for k, v in os.environ.items() if k not in numerics.PINS and k != numerics.ENV}
    return {**env, **extra}


@pytest.fixture(scope="module")
def digits(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("digits") / "digits.safetensors"
    build_dataset("digits_resized", {"test_fraction": 0.5, "augment": False}, None, None, path)
    return path


def _conv_round(data: Path, out: Path, env: dict[str, str], *mode: str) -> dict:
    """One real round-0 job of a ResNet20 (convolutions, batch norm, pooling) through the CLI a rule runs."""
    identity = json.dumps({"model": "resnet20-4", "seed": 0})
    subprocess.run(
        [
            *CLI,
            *mode,
            "imp-round",
            "--data",
            str(data),
            "--side",
            "8",
            "--out",
            str(out),
            "--identity",
            identity,
            "--model",
            "resnet20-4",
            "--seed",
            "0",
            "--round",
            "0",
            "--recipe",
            json.dumps(CONV_RECIPE),
        ],
        check=True,
        capture_output=True,
        env=env,
    )
    return json.loads((out / "timing.json").read_text())


@needs_x86_64_v3
def test_a_job_runs_pinned_whatever_its_environment_forces_and_says_so(digits, tmp_path):
    reference = _conv_round(digits, tmp_path / "reference", _env())
    forced = _env(ATEN_CPU_CAPABILITY="default", ONEDNN_MAX_CPU_ISA="SSE41", MKL_CBWR="AUTO")
    pinned = _conv_round(digits, tmp_path / "pinned", forced)
    native = _conv_round(digits, tmp_path / "native", forced, "--numerics", "native")
    for timing in (reference, pinned):
        assert timing["numerics"] == "portable" and timing["aten_capability"] == "AVX2"
        assert (timing["onednn_max_isa"], timing["mkl_cbwr"], timing["threads"]) == ("AVX2", "COMPATIBLE", 1)
    assert (native["numerics"], native["aten_capability"], native["onednn_max_isa"]) == ("native", "DEFAULT", "SSE41")
    weights = {name: (tmp_path / name / "weights.safetensors").read_bytes() for name in ("reference", "pinned")}
    assert weights["pinned"] == weights["reference"]
    assert (tmp_path / "native" / "weights.safetensors").read_bytes() != weights["reference"]


def test_an_unknown_mode_is_refused_before_any_work(monkeypatch):
    monkeypatch.setenv(numerics.ENV, "fast")
    with pytest.raises(numerics.NumericsError, match="portable, native"):
        numerics.mode_from_env()


@needs_x86_64_v3
def test_pins_that_would_come_too_late_are_refused(monkeypatch):
    assert "torch" in sys.modules and numerics.pinned()  # conftest pinned, then imported torch
    numerics.pin(numerics.PORTABLE)  # already in force: nothing to refuse
    monkeypatch.setenv("ATEN_CPU_CAPABILITY", "avx512")
    with pytest.raises(numerics.NumericsError, match="before torch is imported"):
        numerics.pin(numerics.PORTABLE)


def _timing(path: Path, **fields) -> Path:
    path.write_text(json.dumps({"wall_seconds": 1.0, **fields}))
    return path


def test_fingerprint_table_counts_rounds_per_distinct_fingerprint(tmp_path):
    made = {key: "x" for key in numerics.FINGERPRINT} | {"threads": 1}
    paths = [
        _timing(tmp_path / "a.json", **made),
        _timing(tmp_path / "b.json", **made),
        _timing(tmp_path / "c.json", **{**made, "threads": 2}),
        _timing(tmp_path / "legacy.json"),
    ]
    table = collect_fingerprints(paths, tmp_path / "fingerprint.parquet").set_index("threads")
    assert table["rounds"].to_dict() == {"1": 2, "2": 1, "unknown": 1}
    assert table.loc["unknown", "numerics"] == "unknown"


def _tables(folder: Path, accuracy: float, threads: int | str = 1) -> Path:
    folder.mkdir(parents=True)
    pd.DataFrame({"round": [0, 1], "test_accuracy": [0.9, accuracy]}).to_parquet(folder / "rounds.parquet")
    (folder / "summary.md").write_text(f"| a |\n| {accuracy} |\n")
    made = {key: "x" for key in numerics.FINGERPRINT} | {"threads": str(threads), "rounds": 2}
    pd.DataFrame([made]).to_parquet(folder / "fingerprint.parquet")
    pd.DataFrame({"wall_seconds": [accuracy]}).to_parquet(folder / "timing.parquet")
    return folder


def test_same_numerics_with_other_numbers_is_a_regression(tmp_path):
    result = compare(_tables(tmp_path / "old", 0.8), _tables(tmp_path / "new", 0.75))
    assert result.verdict == REGRESSION
    assert result.differing == {
        "rounds.parquet": "1 of 2 rows differ; test_accuracy by up to 0.05",
        "summary.md": "1 of 2 lines differ",
    }
    assert "regression" in message(result, "committed", tmp_path / "new")


def test_other_numerics_explain_a_difference_and_equal_tables_are_equal(tmp_path):
    other = compare(_tables(tmp_path / "old", 0.8), _tables(tmp_path / "threads", 0.75, threads=2))
    assert other.verdict == EXPECTED
    text = message(other, "committed", tmp_path / "threads")
    assert "threads=1" in text and "threads=2" in text
    assert compare(tmp_path / "old", _tables(tmp_path / "same", 0.8)).verdict == EQUAL
    assert compare(_tables(tmp_path / "legacy", 0.8, threads="unknown"), tmp_path / "threads").verdict == UNKNOWN


def _commit(repo: Path, message: str) -> None:
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    if not (repo / ".git").exists():
        subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", message], check=True)


def _compare_cli(tables: Path, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "compare", "--tables", str(tables), *flags], capture_output=True, text=True)


@pytest.mark.parametrize(
    ("accuracy", "verdict", "says"),
    [
        (0.7 + 1.1e-16, WITHIN, "test_accuracy: 1 of 2 values, by at most 1.1e-16"),
        (0.7 + 1e-9, REGRESSION, "different: rounds.parquet (1 of 2 rows differ; test_accuracy by up to 1e-09)"),
    ],
)
def test_lenient_compare_informs_and_strict_compare_fails_on_any_difference(tmp_path, accuracy, verdict, says):
    """A last-bit float difference is equal within tolerance and a real one is not; the lenient form exits 0 on
    both (a finished study did not fail), the strict form 1 on both."""
    tables = _tables(tmp_path / "results" / "s" / "tables", 0.7)
    _commit(tmp_path, "tables")
    assert compare_with_git(tables)[0] == EQUAL and _compare_cli(tables, "--strict").returncode == 0
    frame = pd.read_parquet(tables / "rounds.parquet")
    frame.loc[1, "test_accuracy"] = accuracy
    frame.to_parquet(tables / "rounds.parquet")
    lenient, strict = _compare_cli(tables), _compare_cli(tables, "--strict")
    assert compare_with_git(tables)[0] == verdict and f": {verdict}" in lenient.stderr and says in lenient.stderr
    assert lenient.returncode == 0 and strict.returncode == 1 and strict.stderr == lenient.stderr


@needs_x86_64_v3
@pytest.mark.slow
def test_the_committed_default_study_reproduces_here(tmp_path):
    """Retrain an MLP round and a ResNet20 round of the committed default study: where this machine's numerics
    equal those that made the committed tables, the metrics must equal the committed rows to the last bit."""
    runs = ("task/mlp-16-8/dim16/seed0/round_001", "extrinsic/resnet20-8/dim8/seed0/round_000")
    targets = [f"results/quick/runs/{run}/metrics.parquet" for run in runs]
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    config["imp"]["runs_per_job"] = 1  # the same bytes (test_shared_rounds), without training a job's other runs
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake(tmp_path, *targets)
    fresh = pd.concat([pd.read_parquet(tmp_path / t) for t in targets], ignore_index=True)
    timing = json.loads((tmp_path / targets[0]).with_name("timing.json").read_text())
    here = tuple(str(timing[key]) for key in numerics.NUMERICS_KEY)
    with committed_tables(ROOT / "results" / "quick" / "tables") as committed:
        made = pd.read_parquet(committed / "fingerprint.parquet")[list(numerics.NUMERICS_KEY)].astype(str)
        rounds = pd.read_parquet(committed / "rounds.parquet")
    if here not in set(made.itertuples(index=False, name=None)):
        pytest.skip(f"the committed tables were made with other numerics than this machine's {here}")
    keys = ["experiment", "model", "dimension", "seed", "round"]
    expected = fresh[keys].merge(rounds, on=keys, how="left")[fresh.columns]
    pd.testing.assert_frame_equal(fresh, expected, check_exact=True)


def test_exact_sqrt_is_correctly_rounded():
    """Every root equals Python's (IEEE, correctly rounded): torch's CPU root, MKL's vector maths, is an ulp off
    for about 1 % of values on some CPUs, and which values depends on the CPU's vendor."""
    import math

    import torch

    values = torch.rand(20000, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) * 100
    assert numerics.exact_sqrt(values).tolist() == [math.sqrt(v) for v in values.tolist()]
    assert numerics.exact_sqrt(values.float()).dtype == torch.float32
