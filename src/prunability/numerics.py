"""Portable CPU numerics: pin the kernels that decide the order of floating-point sums, and say what made a result.

torch picks its vector kernels (ATen), convolution kernels (oneDNN) and matrix products (MKL) by what the CPU
offers, and a different kernel sums in a different order: the same config and seed then give other bytes on
another machine, and sometimes another conclusion. In ``portable`` mode (the default) every job caps all three
to a level every current x86-64 machine has (x86-64-v3: AVX2 and FMA), before torch is imported:

- ``ATEN_CPU_CAPABILITY=avx2``: ATen's vectorised kernels (elementwise ops, reductions, norms).
- ``ONEDNN_MAX_CPU_ISA=AVX2``: oneDNN's convolution and pooling kernels.
- ``MKL_CBWR=COMPATIBLE``: MKL's matrix products. MKL honours AVX2 and the other named branches on Intel CPUs
  only (on AMD it silently takes AUTO); COMPATIBLE is the branch it documents as equal on Intel and compatible
  processors.
- ``MKL_DYNAMIC=FALSE`` and ``OMP_DYNAMIC=FALSE``: the thread count a job asks for is the one it gets.

The job's thread count (``--threads``, the config's ``threads``) changes sums too; it is part of the fingerprint.
What cannot be pinned: oneDNN may choose its blocking by cache size, and neither library promises equal bits
across processor generations; MKL's vector maths (torch's CPU ``sqrt``) differs by an ulp between Intel and AMD
in about 1 % of values whatever ``MKL_CBWR`` says, so the few roots a result depends on use ``exact_sqrt``;
GPUs and ARM CPUs run other kernels altogether. ``native`` leaves every kernel
choice to torch, as the opt-out that results then record.

Standard library only at import time: ``pin`` must run before anything imports torch.
"""

import os
import platform
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

PORTABLE = "portable"
NATIVE = "native"
MODES = (PORTABLE, NATIVE)
# The mode of a job given no --numerics (the workflow passes config `numerics` to every job as --numerics).
ENV = "PRUNABILITY_NUMERICS"
PINS = {
    "ATEN_CPU_CAPABILITY": "avx2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
    "MKL_CBWR": "COMPATIBLE",
    "MKL_DYNAMIC": "FALSE",
    "OMP_DYNAMIC": "FALSE",
}
# What the pinned level needs of the CPU: without these, torch would run AVX2 code and crash.
REQUIRED_FLAGS = ("avx2", "fma")
# The fingerprint's columns that decide the numbers; the others (CPU model, device name) only describe.
NUMERICS_KEY = (
    "numerics",
    "machine",
    "device_type",
    "aten_capability",
    "onednn_max_isa",
    "mkl_cbwr",
    "threads",
    "torch",
)
FINGERPRINT = (*NUMERICS_KEY, "cpu_model", "device_name")
# A study's distinct fingerprints, beside its tables (written by `prunability fingerprint`).


class NumericsError(RuntimeError):
    """Portable numerics were asked for where they cannot be had."""


def mode_from_env() -> str:
    """The mode a job runs in: ``PRUNABILITY_NUMERICS``, portable when unset."""
    mode = os.environ.get(ENV, PORTABLE)
    if mode not in MODES:
        raise NumericsError(f"{ENV}={mode!r}: expected one of {', '.join(MODES)}")
    return mode


def _cpuinfo(field: str) -> str:
    """The first value of ``field`` in /proc/cpuinfo ("" where there is none, as off Linux)."""
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return ""
    return next((line.partition(":")[2].strip() for line in lines if line.split(":")[0].strip() == field), "")


def cpu_flags() -> frozenset[str]:
    return frozenset(_cpuinfo("flags").split())


def cpu_model() -> str:
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def is_x86_64() -> bool:
    return platform.machine().lower() in ("x86_64", "amd64")


def pinned() -> bool:
    """Whether this process runs with every pin in force (set before torch was imported, here or by a parent)."""
    return is_x86_64() and all(os.environ.get(name) == value for name, value in PINS.items())


def pin(mode: str) -> dict[str, str]:
    """Set the pins for ``mode`` in this process's environment; return what was set.

    Must run before torch is imported: ATen, oneDNN and MKL read these once, at their first use (a process that
    imported torch with the pins already in force, such as the test suite, may call it again). Pins override any
    value the caller's environment holds, so a portable job computes the same whatever launched it.
    Off x86-64 nothing is pinned (those CPUs cannot match x86 bits); the fingerprint then says ``native``.
    """
    if mode == NATIVE or not is_x86_64():
        return {}
    if "torch" in sys.modules and not pinned():
        raise NumericsError("numerics must be pinned before torch is imported")
    missing = [flag for flag in REQUIRED_FLAGS if flag not in cpu_flags()]
    if missing:
        raise NumericsError(
            f"this CPU lacks {', '.join(missing)}, which portable numerics (x86-64-v3) need; "
            f"set `numerics: native` in the config (or {ENV}=native) to run with its own kernels"
        )
    os.environ.update(PINS)
    return dict(PINS)


def exact_sqrt(values: "torch.Tensor") -> "torch.Tensor":
    """The correctly rounded square root of a tensor, on its device, whatever the CPU.

    On a CPU ``torch.sqrt`` calls MKL's vector maths (``vdSqrt``), whose kernel starts from the RSQRTPS estimate;
    that instruction's bits differ between Intel and AMD processors, and about 1 % of the refined roots end one
    ulp apart, under ``MKL_CBWR=COMPATIBLE`` too. NumPy's square root is the IEEE instruction, exact everywhere.
    For the few values a job takes roots of (channel statistics, similarity norms), not for training's tensors.
    """
    import numpy as np
    import torch

    return torch.from_numpy(np.sqrt(values.detach().cpu().numpy())).to(values.device)


def fingerprint(device: object) -> dict[str, object]:
    """What made a result: device, CPU, the kernel levels in force, torch's version and build, threads.

    Read inside the job, after torch has chosen its kernels; ``aten_capability`` is what torch reports.
    """
    import torch

    device_type = getattr(device, "type", str(device))
    return {
        "numerics": PORTABLE if pinned() else NATIVE,
        "machine": platform.machine(),
        "device_type": device_type,
        "aten_capability": torch.backends.cpu.get_cpu_capability(),
        "onednn_max_isa": os.environ.get("ONEDNN_MAX_CPU_ISA", "ALL"),
        "mkl_cbwr": os.environ.get("MKL_CBWR", "AUTO"),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "cpu_model": cpu_model(),
        "device_name": torch.cuda.get_device_name(device) if device_type == "cuda" else cpu_model(),
    }
