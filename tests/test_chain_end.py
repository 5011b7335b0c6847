"""A round past the end of its chain: its job writes the end marker before torch is imported, and the chain's
later rounds read the marker as the end."""

import json
import subprocess
import sys
from dataclasses import asdict, replace
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from prunability.artifacts import ENDED, load_meta, read_json, save_tensors, write_rows
from prunability.data.registry import build_dataset
from prunability.imp.chain_end import ended_after
from prunability.imp.round import RoundSpec, run_round
from prunability.imp.shared_rounds import RoundJob, run_job
from prunability.layout import MASK_FILE, METRICS_FILE, REWIND_FILE, TIMING_FILE, WEIGHTS_FILE, round_name

STOP = {"criteria": ["strict"], "patience": 2, "tolerance": 0.005, "z": 1.96}
JOB = (
    "import json, sys\n"
    "from prunability.imp.shared_rounds import RoundJob, run_job\n"
    "job = RoundJob('mlp-8', {round}, {{}}, 0.2, (), 'cpu', 1, None, {stop})\n"
    "run_job(job, json.loads(sys.argv[1]))\n"
    "print('torch' in sys.modules)\n"
)


def _chain(tmp_path: Path, accuracies: list[float]) -> Path:
    """A run whose rounds scored ``accuracies`` (round 0 first), as metrics rows and a last round's mask."""
    run = tmp_path / "run"
    for r, accuracy in enumerate(accuracies):
        row = {"seed": 0, "round": r, "test_accuracy": accuracy, "test_examples": 1000}
        write_rows(run / round_name(r) / METRICS_FILE, [row])
    save_tensors(run / round_name(len(accuracies) - 1) / MASK_FILE, {}, {"round": str(len(accuracies) - 1)})
    return run


def _round_job(run: Path, round_: int, history: list[int]) -> str:
    """Run round ``round_`` of ``run`` as a job of its own process; what it printed (whether torch got imported)."""
    spec = {
        "data": "unread",
        "out": str(run / round_name(round_)),
        "seed": 0,
        "identity": {"experiment": "task", "seed": 0},
        "previous": str(run / round_name(round_ - 1)),
        "rewind": "unread",
        "history": [str(run / round_name(r) / METRICS_FILE) for r in history],
    }
    code = JOB.format(round=round_, stop=repr(STOP))
    done = subprocess.run([sys.executable, "-c", code, json.dumps([spec])], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_a_job_of_ended_runs_writes_their_end_markers_without_importing_torch(tmp_path):
    run = _chain(tmp_path, [0.90, 0.85, 0.80])  # rounds 1 and 2 fail the strict rule: the chain ended after 2
    assert _round_job(run, 3, [0, 1, 2]) == "False"
    marker = run / round_name(3)
    assert load_meta(marker / MASK_FILE)[ENDED] == "2" and load_meta(marker / WEIGHTS_FILE)[ENDED] == "2"
    metrics = pq.read_table(marker / METRICS_FILE)
    assert metrics.num_rows == 0 and metrics.schema == pq.read_table(run / round_name(2) / METRICS_FILE).schema
    assert read_json(marker / TIMING_FILE)[ENDED] == 2
    # the round after a marker reads the end from it, whatever its history says
    assert _round_job(run, 4, [0, 2, 3]) == "False"
    assert load_meta(run / round_name(4) / MASK_FILE)[ENDED] == "2"


def test_a_shared_job_marks_the_ended_run_and_trains_the_other(tmp_path, tiny_params, recipe):
    data = tmp_path / "data.safetensors"
    build_dataset("synthetic_linear", tiny_params, dimension=4, seed=1, out=data)
    trained = tmp_path / "trained"
    dense = RoundSpec(data=data, out=trained / round_name(0), model="mlp-16-8", round=0, seed=1, recipe=recipe)
    run_round(dense)
    rewind = dense.out / REWIND_FILE
    run_round(replace(dense, out=trained / round_name(1), round=1, previous=dense.out, rewind=rewind))
    ended = _chain(tmp_path, [0.90, 0.30])  # 60 points below dense: past any tolerance, so it ended after round 1
    stop = {"criteria": ["tolerance"], "patience": 1, "tolerance": 0.5}  # the trained run stays within 50 points
    runs = [
        {
            "data": str(data),
            "out": str(chain / round_name(2)),
            "seed": seed,
            "identity": {"experiment": "task", "seed": seed},
            "previous": str(chain / round_name(1)),
            "rewind": str(chain / round_name(0) / REWIND_FILE),
            "history": [str(chain / round_name(r) / METRICS_FILE) for r in (0, 1)],
        }
        for seed, chain in ((0, ended), (1, trained))
    ]
    run_job(RoundJob("mlp-16-8", 2, asdict(recipe), 0.2, (), "cpu", 1, None, stop), runs)
    assert load_meta(ended / round_name(2) / MASK_FILE)[ENDED] == "1"
    assert pq.read_table(trained / round_name(2) / METRICS_FILE).num_rows == 1
    assert ENDED not in load_meta(trained / round_name(2) / MASK_FILE)


def test_a_stop_rule_without_round_0_in_the_history_names_the_round_it_could_not_judge(tmp_path):
    run = _chain(tmp_path, [0.90, 0.85, 0.80])
    history = tuple(run / round_name(r) / METRICS_FILE for r in (1, 2))
    with pytest.raises(ValueError, match=f"round 3 after {run / round_name(2)}: .* metrics of round 0"):
        ended_after(STOP, 3, run / round_name(2), history)
    assert ended_after(None, 3, run / round_name(2), history) is None  # fixed rounds: nothing to judge
