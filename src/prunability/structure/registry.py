"""The per-round structure analyses, registered in one place: the workflow, the CLI, the config schema, the
study tables and the figures all read this list, so an analysis is added by its module, its rule and one entry.

Standard library only: the Snakefile imports it to plan the study. Functions are named ``"module:function"``
and imported only where they run.
"""

from dataclasses import dataclass, field
from importlib import import_module

# The other rounds an analysis may read beside its own (``current``): round 0, and the round before.
REFERENCES = ("baseline", "previous")


@dataclass(frozen=True)
class PerRoundAnalysis:
    """One analysis of one round of a run of the analysed schedule, from checkpoints, never retraining.

    ``rows``: ``(rounds, model, data, side, identity, settings) -> list[dict]``, ``rounds`` mapping
    ``current`` and each of ``references`` to a round directory, ``settings`` the experiment's ``analysis``
    block with ``device`` and ``threads``. Its rows become ``structure_<name>.parquet``, sorted by the run,
    the round and ``order``; each of ``summaries`` (``(table, "module:function")``, frame -> frame) another
    table. ``config`` holds its keys of the ``analysis`` block, as JSON-schema properties with defaults.
    ``figures`` (``(name, "module:function", title)``, the function ``(tables, stem) -> None``) and ``report``
    (``tables_dir -> html``) are optional. ``measured``: its
    own table holds measurements (times), never compared between two runs; its summaries must hold the rest.
    """

    name: str
    help: str
    rows: str
    references: tuple[str, ...] = ()
    order: tuple[str, ...] = ()
    summaries: tuple[tuple[str, str], ...] = ()
    config: dict = field(default_factory=dict)
    figures: tuple[tuple[str, str, str], ...] = ()
    report: str | None = None
    measured: bool = False

    @property
    def first_round(self) -> int:
        """The first round it can analyse: 1 where it reads the round before."""
        return 1 if "previous" in self.references else 0

    @property
    def tables(self) -> tuple[str, ...]:
        """The study tables it makes: its own and its summaries."""
        return (self.name, *(table for table, _ in self.summaries))


ANALYSES = (
    PerRoundAnalysis(
        name="zeroing",
        help="test accuracy and loss with each neuron of every prunable layer zeroed",
        rows="prunability.structure.zeroing:zeroing_of_round",
        summaries=(("zeroing_stages", "prunability.structure.tables:zeroing_by_stage"),),
        config={
            "chunk": {
                "type": "integer",
                "minimum": 1,
                "maximum": 1024,
                "default": 4,
                "description": "neuron ablations sharing one forward pass of the network's suffix",
            }
        },
        figures=(("zeroing", "prunability.structure.figures:zeroing_figure", "Neuron zeroing"),),
        report="prunability.structure.report:zeroing_report",
    ),
    PerRoundAnalysis(
        name="similarity",
        help="activation similarity of one round against round 0 and the round before",
        rows="prunability.structure.similarity:similarity_of_round",
        references=REFERENCES,
        order=("reference",),
        figures=(("similarity", "prunability.structure.figures:similarity_figure", "Activation similarity"),),
    ),
    PerRoundAnalysis(
        name="inference",
        help="forward time dense, sparse (CSR) and hybrid per layer and network; work, storage, removable channels",
        rows="prunability.structure.inference:inference_of_round",
        order=("batch_size", "layer", "format"),
        summaries=(("inference_cost", "prunability.structure.inference:costs_table"),),
        config={
            "inference_batch_sizes": {
                "type": "array",
                "items": {"type": "integer", "minimum": 1},
                "minItems": 1,
                "default": [1, 256],
                "description": "batch sizes the inference analysis times each layer and the network at",
            },
            "inference_repeats": {
                "type": "integer",
                "minimum": 1,
                "default": 5,
                "description": "timed repeats per format (their median is kept), formats interleaved",
            },
            "inference_warmup": {
                "type": "integer",
                "minimum": 0,
                "default": 2,
                "description": "untimed repeats per format before timing",
            },
        },
        figures=(
            (
                "inference_speedup",
                "prunability.structure.inference_report:speedup_figure",
                "Inference: speed-up of sparse and hybrid over dense",
            ),
            (
                "inference_break_even",
                "prunability.structure.inference_report:break_even_figure",
                "Inference: each stage's break-even sparsity",
            ),
        ),
        report="prunability.structure.inference_report:inference_report",
        measured=True,
    ),
)
BY_NAME = {analysis.name: analysis for analysis in ANALYSES}
# Tables of measurements: equal code and numerics still give other values on every run.
MEASURED = tuple(analysis.name for analysis in ANALYSES if analysis.measured)


def resolve(spec: str):
    """The function ``"module:function"`` names."""
    module, function = spec.split(":")
    return getattr(import_module(module), function)
