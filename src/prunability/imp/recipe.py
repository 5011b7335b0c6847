"""The training recipe: optimiser, schedule, duration and rewind point, parsed once from the config."""

import math
import re
from dataclasses import dataclass, field
from typing import Any

_DURATION = re.compile(r"^(\d+)(ep|it)$")


def to_steps(duration: str, steps_per_epoch: int) -> int:
    """``"20ep"`` -> 20 epochs of steps, ``"500it"`` -> 500 steps (open_lth's notation)."""
    match = _DURATION.match(duration)
    if not match:
        raise ValueError(f"duration {duration!r} must look like '20ep' or '500it'")
    value, unit = int(match.group(1)), match.group(2)
    return value * steps_per_epoch if unit == "ep" else value


@dataclass(frozen=True)
class Recipe:
    """How one round trains. ``duration`` is T and ``rewind`` is k, both as '<n>ep' or '<n>it'."""

    optimizer: str = "sgd"
    lr: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 128
    duration: str = "10ep"
    rewind: str = "1ep"
    schedule: str = "constant"
    milestones: tuple[float, ...] = field(default=(0.5, 0.75))
    gamma: float = 0.1
    warmup: str = "0it"

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> "Recipe":
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        if "milestones" in known:
            known["milestones"] = tuple(known["milestones"])
        return cls(**known)

    def lr_at(self, step: int, total: int, warmup_steps: int) -> float:
        """Learning rate at ``step`` of ``total``: linear warm-up, then constant, step or cosine decay."""
        if step < warmup_steps:
            return self.lr * (step + 1) / warmup_steps
        if self.schedule == "step":
            drops = sum(step >= m * total for m in self.milestones)
            return self.lr * self.gamma**drops
        if self.schedule == "cosine":
            return 0.5 * self.lr * (1 + math.cos(math.pi * step / total))
        return self.lr
