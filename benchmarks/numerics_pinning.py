"""What portable numerics cost and what they decide: one dense round per experiment, pinned against native.

For the first run of each chosen experiment of a study config, builds its data artifact once, then runs the
round-0 job (the exact CLI command a rule runs) with ``--numerics portable`` and ``--numerics native``,
alternating, and reports the median in-job time (training and evaluation, from timing.json) of each and their
ratio. Both modes start from the same environment, so the only difference is the pins. It also runs the job
once natively with the oldest kernels forced (ATen's baseline, oneDNN SSE4.1), as another CPU might choose
them, and prints each mode's test accuracy: what a change of kernels alone does to a result.

    python benchmarks/numerics_pinning.py [--config config.yaml] [--experiments task extrinsic] [--repeats 3]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from prunability.config.plan import data_artifacts, runs, training
from prunability.config.validation import load
from prunability.layout import TIMING_FILE

CLI = [sys.executable, "-m", "prunability.cli"]
OLDEST = {"ATEN_CPU_CAPABILITY": "default", "ONEDNN_MAX_CPU_ISA": "SSE41"}


def dataset(spec, out: Path, threads: int) -> None:
    generated = [] if spec.seed is None else ["--dimension", str(spec.dimension), "--seed", str(spec.seed)]
    command = [*CLI, "dataset", "--kind", spec.kind, "--params", spec.params, *generated, "--out", str(out)]
    subprocess.run([*command, "--threads", str(threads)], check=True, capture_output=True)


def round_zero(config: dict, run, data: Path, out: Path, mode: str, env: dict | None = None) -> dict:
    """The round-0 job's timing record: seconds spent inside (data load, training, evaluation), accuracy."""
    side = [] if run.side is None else ["--side", str(run.side)]
    recipe = json.dumps(training(config["experiments"][run.experiment], run))
    job = ["imp-round", "--data", str(data), *side, "--out", str(out), "--identity", json.dumps(run.identity)]
    job += ["--model", run.model, "--seed", str(run.seed), "--round", "0", "--recipe", recipe]
    subprocess.run(
        [*CLI, "--numerics", mode, *job, "--threads", str(config["threads"])],
        check=True,
        capture_output=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads((out / TIMING_FILE).read_text())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="config.yaml")
    p.add_argument("--experiments", nargs="+", default=["task", "extrinsic"])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    config = load(args.config)
    specs = data_artifacts(config)
    print(
        f"round 0 of the first run of each experiment ({args.config}, {config['threads']} thread(s)), "
        f"median of {args.repeats}, portable and native alternating:"
    )
    for experiment in args.experiments:
        run = next(r for r in runs(config) if r.experiment == experiment)
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data.safetensors"
            dataset(specs[run.data_key], data, config["threads"])
            records = {"portable": [], "native": []}
            for _ in range(args.repeats):
                for mode, done in records.items():
                    done.append(round_zero(config, run, data, Path(tmp) / mode, mode))
            oldest = round_zero(config, run, data, Path(tmp) / "oldest", "native", OLDEST)
        pinned, native = (statistics.median(r["wall_seconds"] for r in records[m]) for m in ("portable", "native"))
        accuracy = {m: 100 * records[m][0]["test_accuracy"] for m in records} | {
            "oldest": 100 * oldest["test_accuracy"]
        }
        print(
            f"  {experiment:10s} {run.model:12s} portable {pinned:6.2f} s  native {native:6.2f} s  "
            f"ratio {pinned / native:.2f}x;  test accuracy portable {accuracy['portable']:.2f} %, native "
            f"{accuracy['native']:.2f} % ({records['native'][0]['aten_capability']}), oldest kernels "
            f"{accuracy['oldest']:.2f} % ({oldest['aten_capability']})"
        )


if __name__ == "__main__":
    main()
