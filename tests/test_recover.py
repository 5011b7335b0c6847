"""The pieces of the recovery step that do not need a crashed run (tests/test_faults.py has the crash)."""

import tempfile
from pathlib import Path

from prunability.artifacts import atomic_path
from prunability.operations.recover import stale_temporaries, workdir_of


def test_workdir_is_the_commands_directory_or_the_current_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert workdir_of(["snakemake", "--cores", "2"]) == tmp_path.resolve()
    assert workdir_of(["snakemake", "-d", "/srv/study"]) == Path("/srv/study")
    assert workdir_of(["snakemake", "--directory=/srv/other"]) == Path("/srv/other")


def test_stale_temporaries_are_what_a_killed_write_leaves(tmp_path):
    run = tmp_path / "runs" / "round_001"
    run.mkdir(parents=True)
    _, left = tempfile.mkstemp(prefix=".weights.safetensors.", suffix=".tmp", dir=run)
    (run / "notes.tmp").write_text("a user's file, not a temporary artifact")
    with atomic_path(run / "metrics.parquet") as tmp:
        assert stale_temporaries(tmp_path) == sorted([Path(left), tmp])
        tmp.write_text("x")
    assert stale_temporaries(tmp_path) == [Path(left)]
