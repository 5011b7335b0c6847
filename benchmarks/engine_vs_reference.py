"""Training throughput of the engine against a conventional loop, side by side in one process.

Reference: a torch Dataset with a per-sample transform behind a DataLoader, torch.optim.SGD, and the mask
multiplied into the weights before every forward pass (as open_lth's PrunedModel does). Engine:
prunability.imp.engine.train (device-resident tensors, index-slice batches, fused mask multiply after each step).
Both train the same MLP on the same data at 20 % density for the same number of steps. Also compared: the
three ways of keeping pruned weights at zero, inside the engine's loop.

    python benchmarks/engine_vs_reference.py [--model mlp-256-128] [--steps 400] [--threads 2]
    python benchmarks/engine_vs_reference.py --images --model resnet20-16 --steps 20

With --images the data are 32-px RGB uint8 images (random pixels: throughput does not depend on content) with
the conventional augmentation: per sample in the reference (pad 4, random crop, flip, to float, normalise, as
torchvision's transforms do), batched on the device in the engine.
"""

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

from prunability.data.images import channel_stats, pixel_sums
from prunability.data.loading import DeviceData, standardize
from prunability.data.synthetic import linear_task
from prunability.imp import masks as ml
from prunability.imp.engine import train
from prunability.imp.optim import SGD
from prunability.imp.recipe import Recipe
from prunability.models.registry import build_model


class PerSample(Dataset):
    """The conventional dataset: one example at a time, standardised in __getitem__."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor):
        self.x, self.y = x.numpy(), y.numpy()
        self.mean, self.std = self.x.mean(0), self.x.std(0) + 1e-8

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        return torch.from_numpy((self.x[i] - self.mean) / self.std), int(self.y[i])


class PerSampleImages(Dataset):
    """torchvision-style: pad, random crop and flip one image at a time, then to float and normalise."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, mean: torch.Tensor, std: torch.Tensor):
        self.x, self.y, self.mean, self.std = x, y, mean.view(-1, 1, 1).float(), std.view(-1, 1, 1).float()

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int):
        img = F.pad(self.x[i], (4, 4, 4, 4))
        top, left = (int(v) for v in torch.randint(0, 9, (2,)))
        img = img[:, top : top + 32, left : left + 32]
        if torch.rand(()) < 0.5:
            img = img.flip(-1)
        return (img.float() / 255 - self.mean) / self.std, int(self.y[i])


def reference(model, data: Dataset, masks, steps: int, batch: int) -> float:
    """open_lth-style loop; returns seconds."""
    params = dict(model.named_parameters())
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loader = DataLoader(data, batch_size=batch, shuffle=True, num_workers=0)
    done, tic = 0, time.perf_counter()
    while done < steps:
        for x, y in loader:
            with torch.no_grad():
                for n, m in masks.items():
                    params[n].mul_(m)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            done += 1
            if done == steps:
                break
    return time.perf_counter() - tic


def engine(model, data: DeviceData, masks, steps: int, batch: int) -> float:
    recipe = Recipe(lr=0.05, batch_size=batch, duration=f"{steps}it", rewind="0it")
    tic = time.perf_counter()
    train(model, data, recipe, masks, seed=0, log=lambda s: None)
    return time.perf_counter() - tic


def mask_strategy(model, data: DeviceData, masks, steps: int, batch: int, how: str) -> float:
    """The engine's loop with one of three ways to hold pruned weights at zero."""
    params = dict(model.named_parameters())
    masked = [params[n] for n in masks]
    mask_list = list(masks.values())
    opt = SGD(list(model.parameters()), lr=0.05, momentum=0.9)
    n = data.x_train.shape[0]
    order = torch.randperm(n)
    tic = time.perf_counter()
    for step in range(steps):
        pos = (step * batch) % (n - batch)
        idx = order[pos : pos + batch]
        if how == "forward":
            with torch.no_grad():
                torch._foreach_mul_(masked, mask_list)
        x, y = data.train_batch(idx, torch.Generator().manual_seed(step))
        loss = F.cross_entropy(model(x), y)
        for p in opt.params:
            p.grad = None
        loss.backward()
        if how == "gradient":
            torch._foreach_mul_([p.grad for p in masked], mask_list)
        opt.step()
        if how == "weights":
            with torch.no_grad():
                torch._foreach_mul_(masked, mask_list)
    return time.perf_counter() - tic


def _vectors() -> tuple[DeviceData, Dataset]:
    raw = linear_task(64, 128, 1024, n_train=20000, n_test=100, seed=0)
    x_train, x_test = standardize(raw["x_train"], raw["x_test"])
    return DeviceData(x_train, raw["y_train"], x_test, raw["y_test"], 2), PerSample(raw["x_train"], raw["y_train"])


def _images() -> tuple[DeviceData, Dataset]:
    g = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (5000, 3, 32, 32), generator=g, dtype=torch.uint8)
    y = torch.randint(0, 10, (5000,), generator=g)
    mean, std = channel_stats(*pixel_sums(x), len(x))
    data = DeviceData(x, y, x[:100], y[:100], 10, mean=mean.float(), std=std.float(), augment=True)
    return data, PerSampleImages(x, y, mean, std)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="mlp-256-128")
    p.add_argument("--steps", type=int, default=400)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--images", action="store_true", help="32-px RGB images with crop/flip augmentation")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    device_data, per_sample = _images() if args.images else _vectors()

    def fresh():
        model = build_model(args.model, device_data.input_shape, device_data.num_classes, seed=0)
        weights = dict(model.named_parameters())
        masks = ml.full_masks(model, ml.prunable_names(model))
        for _ in range(7):  # 0.8^7 = 21 % density
            masks = ml.global_magnitude_prune(weights, masks, 0.2)
        return model, masks

    timings: dict[str, list[float]] = {}
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits every variant alike
        for name, fn in {
            "reference (DataLoader, torch.optim, mask in forward)": lambda m, k: reference(
                m, per_sample, k, args.steps, args.batch
            ),
            "engine": lambda m, k: engine(m, device_data, k, args.steps, args.batch),
            "mask: weights after step (engine)": lambda m, k: mask_strategy(
                m, device_data, k, args.steps, args.batch, "weights"
            ),
            "mask: gradients before step": lambda m, k: mask_strategy(
                m, device_data, k, args.steps, args.batch, "gradient"
            ),
            "mask: weights before forward": lambda m, k: mask_strategy(
                m, device_data, k, args.steps, args.batch, "forward"
            ),
        }.items():
            timings.setdefault(name, []).append(fn(*fresh()))
    ref = statistics.median(timings["reference (DataLoader, torch.optim, mask in forward)"])
    workload = f"{args.model}{' on 32-px images' if args.images else ''}"
    print(f"{workload}, batch {args.batch}, {args.steps} steps, {args.threads} CPU threads, median of {args.repeats}")
    for name, values in timings.items():
        med = statistics.median(values)
        print(f"  {name:55s} {args.steps * args.batch / med:9.0f} examples/s   x{ref / med:5.2f} vs reference")


if __name__ == "__main__":
    main()
