"""Training throughput with images resized per batch on the device against images resized in advance, side by side.

    python benchmarks/per_batch_resize.py [--side 64] [--model resnet20-16] [--steps 8] [--repeats 3] [--device auto]

Both train the same model with the engine (augmentation on, as for CIFAR-10) on the same 5,000 random 32-px
images: one DeviceData holds them at 32 px and brings every batch to --side (``load_data(..., side)``), the
other holds them already resized to --side. The inputs are identical batch by batch (tests/test_image_sets.py);
only where the resize happens differs. Repeats alternate the two so that drift of the machine hits both; the
ratio of the medians is reported (> 1: per-batch resizing is slower).
"""

import argparse
import statistics
import time

import torch

from prunability.data.images import channel_stats, pixel_sums, resize_nearest
from prunability.data.loading import DeviceData
from prunability.device import pick_device, prepare
from prunability.imp import masks as ml
from prunability.imp.engine import train
from prunability.imp.recipe import Recipe
from prunability.models.registry import build_model


def datasets(side: int, device: torch.device) -> dict[str, DeviceData]:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (5000, 3, 32, 32), generator=g, dtype=torch.uint8)
    y = torch.randint(0, 10, (5000,), generator=g)
    big = resize_nearest(x, side)
    mean, std = (v.float().to(device) for v in channel_stats(*pixel_sums(x), len(x), side))
    x, big, y = x.to(device), big.to(device), y.to(device)
    common = {"num_classes": 10, "mean": mean, "std": std, "augment": True}
    return {
        "per batch": DeviceData(x, y, x[:100], y[:100], side=side, **common),
        "in advance": DeviceData(big, y, big[:100], y[:100], **common),
    }


def seconds(data: DeviceData, model_name: str, steps: int, device: torch.device) -> float:
    model = prepare(build_model(model_name, data.input_shape, 10, seed=0), device)
    masks = ml.full_masks(model, ml.prunable_names(model, []))
    recipe = Recipe(lr=0.05, batch_size=128, duration=f"{steps}it", rewind="0it", schedule="constant")
    if device.type == "cuda":
        torch.cuda.synchronize()
    tic = time.perf_counter()
    train(model, data, recipe, masks, seed=0, log=lambda s: None)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - tic


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--side", type=int, default=64)
    p.add_argument("--model", default="resnet20-16")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    data = datasets(args.side, device)
    for d in data.values():  # warm-up: allocator, cudnn autotuning, first-call costs
        seconds(d, args.model, 2, device)
    times: dict[str, list[float]] = {name: [] for name in data}
    for _ in range(args.repeats):
        for name, d in data.items():
            times[name].append(seconds(d, args.model, args.steps, device))
    label = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} threads"
    print(f"{args.model}, 32 px images trained at {args.side} px, batch 128, {args.steps} steps, {label}")
    for name, values in times.items():
        per_step = [v / args.steps for v in values]
        print(
            f"  {name:11s} {statistics.median(per_step) * 1000:8.1f} ms/step  (repeats: "
            + ", ".join(f"{v * 1000:.1f}" for v in per_step)
            + ")"
        )
    ratio = statistics.median(times["per batch"]) / statistics.median(times["in advance"])
    print(f"per batch / in advance: {ratio:.3f}")


if __name__ == "__main__":
    main()
