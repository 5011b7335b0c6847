"""Device choice and the CUDA fast path (channels_last, bf16 autocast, cudnn.benchmark)."""

import contextlib

import torch
from torch import nn


def pick_device(name: str = "auto") -> torch.device:
    """``auto`` takes CUDA when present; an explicit ``cuda`` without a GPU is an error, not a silent CPU run."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' requested but no CUDA GPU is visible; use device: auto or cpu")
    return torch.device(name)


def prepare(model: nn.Module, device: torch.device) -> nn.Module:
    """Move the model; on CUDA use channels_last for convolutional nets and let cuDNN pick kernels."""
    model = model.to(device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        if any(isinstance(m, nn.Conv2d) for m in model.modules()):
            model = model.to(memory_format=torch.channels_last)
    return model


def autocast(device: torch.device) -> contextlib.AbstractContextManager:
    """bf16 autocast on CUDA; a no-op on CPU, where float32 keeps runs byte-reproducible."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return contextlib.nullcontext()
