"""Whether a round's chain has ended, and its end marker, without importing torch.

With a stop rule (``prunability.imp.stopping``), a round after the end of its chain trains nothing: it writes the
same files, small, as the chain's end marker (no tensors, a metrics table without rows, ``ended_after`` in the
checkpoints' metadata and in timing.json), so the DAG stays static. Such a round is decided and written before
torch is imported (``shared_rounds.run_job``): importing torch is most of a round job's start-up, and a round
past the end of its chain needs nothing from it.
"""

import sys
import time
from pathlib import Path

from prunability.artifacts import ENDED, atomic_path, load_meta, save_tensors, write_json
from prunability.layout import MASK_FILE, METRICS_FILE, TIMING_FILE, WEIGHTS_FILE
from prunability.matching import StopRule


def ended_after(stop: dict | None, round_: int, previous: Path | None, history: tuple[Path, ...]) -> int | None:
    """The round after which a chain ended (None: train round ``round_``). A chain has ended when the previous
    round is an end marker, or when the last ``patience`` rounds of ``history`` (which holds round 0's metrics
    and theirs) failed the stop rule."""
    if stop is None or round_ == 0:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = load_meta(previous / MASK_FILE)
    if ENDED in meta:
        return int(meta[ENDED])
    columns = ["round", "test_accuracy", "test_examples"]
    table = pa.concat_tables([pq.read_table(p, columns=columns) for p in history]) if history else None
    if table is None or 0 not in table["round"].to_pylist():
        raise ValueError(f"round {round_} after {previous}: a stop rule needs the metrics of round 0 among --history")
    return StopRule.from_dict(stop).ended_after(*(table[c].to_numpy() for c in columns))


def write_end_marker(out: Path, previous: Path, meta: dict, timing: dict, after: int, tic: float) -> None:
    """Round ``out`` as the end marker of a chain that ended after round ``after``: empty checkpoints whose
    metadata is ``meta`` plus ``ended_after``, the previous round's metrics schema without rows, and ``timing``
    with ``ended_after`` and the wall time since ``tic``."""
    import pyarrow.parquet as pq

    marked = {**{k: str(v) for k, v in meta.items()}, ENDED: str(after)}
    save_tensors(out / WEIGHTS_FILE, {}, marked)
    save_tensors(out / MASK_FILE, {}, marked)
    empty = pq.read_table(previous / METRICS_FILE).slice(0, 0)
    with atomic_path(out / METRICS_FILE) as tmp:
        pq.write_table(empty, tmp)
    write_json(out / TIMING_FILE, {**timing, ENDED: after, "wall_seconds": time.perf_counter() - tic})
    round_ = meta["round"]
    print(f"round {round_}: the chain ended after round {after}; nothing to train", file=sys.stderr, flush=True)
