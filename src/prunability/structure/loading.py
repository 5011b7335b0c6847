"""The one way the analyses load a round: its trained weights into the registry's model, in eval mode."""

from pathlib import Path

from torch import nn

from prunability.artifacts import load_tensors
from prunability.errors import ArtifactError, ConfigError
from prunability.imp.masks import prunable_names
from prunability.layout import WEIGHTS_FILE
from prunability.models.registry import build_model
from prunability.models.stages import ordered_stages


def load_round(round_dir: Path, model_name: str, input_shape: tuple[int, ...], num_classes: int) -> nn.Module:
    """Model ``model_name`` holding ``round_dir``'s trained weights (pruned ones are stored as 0), in eval mode."""
    weights, _ = load_tensors(round_dir / WEIGHTS_FILE)
    model = build_model(model_name, input_shape, num_classes, seed=0)  # every weight is overwritten below
    try:
        model.load_state_dict(weights)
    except RuntimeError as err:
        raise ArtifactError(f"{round_dir / WEIGHTS_FILE} does not fit {model_name}: {err}") from err
    return model.eval()


def prunable_layers(model: nn.Module, names: list[str]) -> dict[str, nn.Module]:
    """The modules behind prunable weight names (``blocks.0.conv1.weight`` -> that conv)."""
    modules = dict(model.named_modules())
    return {name: modules[name.removesuffix(".weight")] for name in names}


def layer_stages(model_name: str, model: nn.Module) -> dict[str, str]:
    """The stage of every prunable layer of a loaded model, input to output; a model without a stage map is
    refused by name (the config check refuses it earlier in a study)."""
    try:
        return ordered_stages(model_name, prunable_names(model))
    except ValueError as err:
        raise ConfigError(str(err)) from err


def test_data(data: Path, side: int | None, device: str, threads: int):
    """The run's data on the chosen device, torch limited to ``threads``: what the per-round analyses read."""
    import torch

    from prunability.data.loading import load_data
    from prunability.device import pick_device

    torch.set_num_threads(threads)
    chosen = pick_device(device)
    return load_data(data, chosen, side), chosen
