"""Seeds derived from the config seed and names, so every random stream is reproducible and independent."""

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def derive_seed(*parts: object) -> int:
    """A 63-bit seed from any parts; stable across processes and Python versions (unlike ``hash``)."""
    text = "/".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(text).digest()[:8], "little") >> 1


def generator(*parts: object) -> "torch.Generator":
    """A CPU torch generator seeded from ``parts``; draw on CPU then move, so results do not depend on device.
    torch is imported here, not above: ``derive_seed`` serves jobs that never touch torch (the statistics)."""
    import torch

    return torch.Generator().manual_seed(derive_seed(*parts))
