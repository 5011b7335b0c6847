"""The cheap structure analyses of one IMP run, from its round checkpoints alone (no data, no retraining):
stage sparsity, weight-magnitude distributions, neuron sparsity and fully pruned neurons against the null model.

Every table is long-format with the run's identity columns, ``round`` and ``network_sparsity`` (1 - density of
the prunable weights), plus ``layer``/``stage`` where they apply. The magnitude bins are the same for every
round of a run (linear, from 0 to the largest |w| of the dense round), so curves of different rounds compare.
"""

from pathlib import Path

import torch

from prunability.artifacts import load_tensors
from prunability.errors import ArtifactError
from prunability.imp.masks import count
from prunability.layout import MASK_FILE, PER_RUN_TABLES, WEIGHTS_FILE, per_run_table, round_number
from prunability.models.stages import ordered_stages
from prunability.structure.neuron_sparsity import fully_pruned_rows, neuron_sparsity_rows
from prunability.structure.weights import magnitude_rows, stage_sparsity_rows


def round_dirs(run: Path, last: int) -> list[Path]:
    """The run's round directories 0 to ``last`` in order; a missing one is an error naming the folder. Rounds past
    ``last`` are left out: they belong to an earlier config with a higher round cap, not to this run."""
    rounds = sorted(d for d in run.glob("round_[0-9][0-9][0-9]") if round_number(d.name) <= last)
    if [round_number(d.name) for d in rounds] != list(range(last + 1)):
        raise ArtifactError(
            f"{run}: expected round_000 to round_{last:03d} without gaps; found {[d.name for d in rounds]}"
        )
    return rounds


def _tables_of_round(
    weights: dict[str, torch.Tensor], masks: dict[str, torch.Tensor], stages: dict[str, str], edges: torch.Tensor
) -> dict[str, list[dict]]:
    return {
        "stage_sparsity": stage_sparsity_rows(masks, stages),
        "magnitudes": magnitude_rows(weights, masks, stages, edges),
        "neuron_sparsity": neuron_sparsity_rows(masks, stages),
        "fully_pruned": fully_pruned_rows(masks, stages),
    }


def structure_tables(run: Path, model: str, identity: dict, last: int, bins: int = 100) -> dict[str, list[dict]]:
    """Rows of every table for rounds 0 to ``last`` of the run at ``run`` (a folder of round_<rrr>/ directories)."""
    out: dict[str, list[dict]] = {name: [] for name in PER_RUN_TABLES}
    edges = None
    for round_dir in round_dirs(run, last):
        masks, _ = load_tensors(round_dir / MASK_FILE)
        weights, _ = load_tensors(round_dir / WEIGHTS_FILE)
        stages = ordered_stages(model, list(masks))
        masks = {layer: masks[layer] for layer in stages}
        if edges is None:  # the dense round fixes the bins for the whole run
            top = max(float(weights[layer].abs().max()) for layer in masks)
            edges = torch.linspace(0.0, top, bins + 1)
        remaining, total = count(masks)
        columns = {**identity, "round": round_number(round_dir.name), "network_sparsity": 1 - remaining / total}
        for name, rows in _tables_of_round(weights, masks, stages, edges).items():
            out[name] += [{**columns, **row} for row in rows]
    return out


def write_structure_tables(
    run: Path, model: str, identity: dict, last: int, bins: int, out_dir: Path
) -> dict[str, list[dict]]:
    """Write the run's per-run tables (``PER_RUN_TABLES``) to ``out_dir``; their rows back."""
    from prunability.artifacts import write_rows

    tables = structure_tables(run, model, identity, last, bins)
    for name, rows in tables.items():
        write_rows(out_dir / per_run_table(name), rows)
    return tables
