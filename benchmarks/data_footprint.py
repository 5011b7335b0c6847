"""What a 128-px image run costs in data: the dataset job and a round job, per-batch resizing against data
resized in advance, on a CIFAR-10-sized input in the real on-disk format (random pixels), in one run.

    python benchmarks/data_footprint.py [--side 128] [--steps 2] [--keep DIR]

Writes cifar-10-batches-py/ (50,000 + 10,000 random 32-px images, pickled batches as published), then runs,
each in its own process so that its peak resident memory (ru_maxrss) is its own:

- dataset, now: ``prunability dataset --kind cifar10_resized`` (the images once, at 32 px);
- dataset, resized in advance: the same images resized to --side in chunks of 1,024, as the artifact of one
  side used to be built;
- round, per batch: load the 32-px artifact and train ResNet20-W16 for --steps steps of batch 128 at --side;
- round, resized in advance: the same from the --side artifact.

Then prints the bytes every image preset writes under each scheme (one artifact per distinct dataset against
one per side and seed), from the image counts of each dataset.
"""

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from prunability.config.plan import runs  # noqa: E402
from prunability.config.validation import load  # noqa: E402
from prunability.data.kinds import SIDED  # noqa: E402

TRAIN, TEST = 50_000, 10_000
# Images (train + test), channels and stored side of each real-image dataset kind.
IMAGES = {"cifar10_resized": (60_000, 3, 32), "tinyimagenet": (110_000, 3, 64), "digits_resized": (1_797, 1, 8)}

RESIZE_IN_ADVANCE = """
import sys, torch
from prunability.artifacts import load_tensors, save_tensors
from prunability.data.images import pixel_sums, resize_nearest
tensors, meta = load_tensors(sys.argv[1])
side = int(sys.argv[3])
for key in ("x_train", "x_test"):
    x = tensors[key]
    out = x.new_empty((x.shape[0], x.shape[1], side, side))
    for start in range(0, x.shape[0], 1024):
        out[start : start + 1024] = resize_nearest(x[start : start + 1024], side)
    tensors[key] = out
sums, squares = pixel_sums(tensors["x_train"], chunk=512)
save_tensors(sys.argv[2], {**tensors, "pixel_sum": sums, "pixel_square_sum": squares}, meta)
"""

ROUND = """
import sys, torch
from prunability.imp import masks as ml
from prunability.data.loading import load_data
from prunability.imp.engine import train
from prunability.models.registry import build_model
from prunability.imp.recipe import Recipe
torch.set_num_threads(2)
side = int(sys.argv[2]) if sys.argv[2] != "none" else None
data = load_data(sys.argv[1], torch.device("cpu"), side)
model = build_model("resnet20-16", data.input_shape, data.num_classes, seed=0)
masks = ml.full_masks(model, ml.prunable_names(model, []))
recipe = Recipe(lr=0.1, batch_size=128, duration=sys.argv[3] + "it", rewind="0it", schedule="constant")
train(model, data, recipe, masks, seed=0, log=lambda s: None)
"""


def write_cifar(root: Path) -> None:
    """Five training batches, a test batch and batches.meta, each a pickled dict with bytes keys, as published."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = TEST if name == "test_batch" else TRAIN // 5
        record = {
            b"batch_label": name.encode(),
            b"labels": rng.integers(0, 10, size=n).tolist(),
            b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
            b"filenames": [b"x.png"] * n,
        }
        (folder / name).write_bytes(pickle.dumps(record, protocol=3))
    labels = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": labels}, protocol=3))


def measured(cmd: list[str]) -> tuple[float, float]:
    """(wall seconds, peak resident memory in GB) of one child process."""
    tic = time.perf_counter()
    child = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(cmd)} failed with status {status}")
    return time.perf_counter() - tic, usage.ru_maxrss / 1e6  # ru_maxrss is in kB on Linux


def preset_bytes(path: Path) -> tuple[int, int] | None:
    """Image and label bytes a study writes: (one artifact per side and seed, one per distinct dataset)."""
    config = load(path)
    study = [r for r in runs(config) if config["experiments"][r.experiment]["dataset"]["kind"] in SIDED]
    if not study:
        return None

    def size(kind: str, side: int) -> int:
        count, channels, _ = IMAGES[kind]
        return count * (channels * side * side + 8)  # uint8 pixels and an int64 label

    kind = {r.data_key: config["experiments"][r.experiment]["dataset"]["kind"] for r in study}
    per_side_and_seed = {(r.experiment, r.side, r.seed): kind[r.data_key] for r in study}
    before = sum(size(k, side) for (_, side, _), k in per_side_and_seed.items())
    after = sum(size(k, IMAGES[k][2]) for k in kind.values())
    return before, after


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", type=int, default=128)
    p.add_argument("--steps", type=int, default=2, help="training steps of each round job")
    p.add_argument("--keep", help="write the data here and keep it (default: a temporary directory)")
    args = p.parse_args()
    work = Path(args.keep or tempfile.mkdtemp(prefix="footprint-"))
    write_cifar(work / "cifar")
    source, resized = work / "source.safetensors", work / f"side{args.side}.safetensors"
    params = json.dumps({"root": str(work / "cifar"), "download": False, "augment": True})
    bin_dir = Path(sys.executable).parent
    rows = {
        "dataset job, stored once at 32 px": measured(
            [
                str(bin_dir / "prunability"),
                "dataset",
                "--kind",
                "cifar10_resized",
                "--params",
                params,
                "--out",
                str(source),
            ]
        ),
        f"dataset job, resized in advance to {args.side} px": measured(
            [sys.executable, "-c", RESIZE_IN_ADVANCE, str(source), str(resized), str(args.side)]
        ),
        f"round job, resized per batch to {args.side} px": measured(
            [sys.executable, "-c", ROUND, str(source), str(args.side), str(args.steps)]
        ),
        f"round job, resized in advance to {args.side} px": measured(
            [sys.executable, "-c", ROUND, str(resized), "none", str(args.steps)]
        ),
    }
    print(f"\nCIFAR-10-sized input (random pixels, real format), {args.steps} training steps per round job:")
    print(f"{'':50s} {'wall s':>7s} {'peak GB':>8s}")
    for name, (wall, peak) in rows.items():
        print(f"{name:50s} {wall:7.1f} {peak:8.2f}")
    print(
        f"artifact at 32 px: {source.stat().st_size / 1e6:,.0f} MB; at {args.side} px: "
        f"{resized.stat().st_size / 1e6:,.0f} MB"
    )
    print("\nImage and label bytes per study (one artifact per side and seed -> one per distinct dataset):")
    for path in [ROOT / "config.yaml", *sorted((ROOT / "workflow" / "studies").glob("*.yaml"))]:
        totals = preset_bytes(path)
        if totals:
            print(f"  {path.relative_to(ROOT)}: {totals[0] / 1e9:.2f} GB -> {totals[1] / 1e9:.3f} GB")
        else:
            print(f"  {path.relative_to(ROOT)}: generated data only (one artifact per dimension and seed, unchanged)")
    if not args.keep:
        for f in (source, resized):
            f.unlink()


if __name__ == "__main__":
    main()
