"""Atomic, unpickle-free artifact I/O: safetensors for tensors, Parquet for tables, JSON for small records.

Every writer goes through ``atomic_path``: a killed job leaves a ``.tmp`` file, never a complete-looking one.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from safetensors import SafetensorError, safe_open

from prunability.errors import ArtifactError

if TYPE_CHECKING:
    import torch


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# The key that marks a round past the end of its chain (prunability.imp.round): in its checkpoints' metadata and its
# timing.json, the last round the chain trained.
ENDED = "ended_after"
FILE_MODE = 0o666 & ~_umask()  # what open() would give; mkstemp alone would leave 0600


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary sibling of ``path``; rename it into place only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def save_tensors(path: str | os.PathLike, tensors: dict[str, torch.Tensor], meta: dict | None = None) -> None:
    """Write tensors as safetensors with ``meta`` stored under one JSON key.

    One key, because safetensors orders several metadata keys differently from run to run, which would
    break byte-identical reruns.
    """
    header = {"json": json.dumps(meta or {}, sort_keys=True)}
    if not tensors:  # a chain's end marker: the same bytes without importing torch (prunability.imp.chain_end)
        from safetensors.numpy import save_file as save_empty

        with atomic_path(path) as tmp:
            save_empty({}, str(tmp), metadata=header)
        return
    from safetensors.torch import save_file

    contiguous = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    with atomic_path(path) as tmp:
        save_file(contiguous, str(tmp), metadata=header)


def load_tensors(path: str | os.PathLike) -> tuple[dict[str, torch.Tensor], dict]:
    """Read tensors and metadata written by ``save_tensors``; raise ``ArtifactError`` naming the file."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"missing artifact: {path} (run the step that writes it, or rerun the workflow)")
    from safetensors.torch import load_file

    try:
        tensors = load_file(str(path))
        with safe_open(str(path), framework="pt") as handle:
            header = handle.metadata() or {}
        return tensors, json.loads(header.get("json", "{}"))
    except (SafetensorError, OSError, ValueError) as err:
        raise ArtifactError(f"corrupt artifact: {path} ({err}); delete it and rerun the workflow") from err


def load_meta(path: str | os.PathLike) -> dict:
    """The metadata of a ``save_tensors`` file, without reading its tensors."""
    try:
        with safe_open(str(path), framework="numpy") as handle:  # metadata only: no torch needed
            return json.loads((handle.metadata() or {}).get("json", "{}"))
    except (SafetensorError, OSError, ValueError) as err:
        raise ArtifactError(f"corrupt or missing artifact: {path} ({err}); rerun the workflow") from err


def write_json(path: str | os.PathLike, record: dict[str, Any]) -> None:
    """Write a small JSON record atomically, keys sorted for stable bytes."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(record, sort_keys=True, indent=1) + "\n")


def read_json(path: str | os.PathLike) -> dict[str, Any]:
    """Read a JSON record, naming the file on failure."""
    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError as err:
        raise ArtifactError(f"missing artifact: {path}") from err
    except json.JSONDecodeError as err:
        raise ArtifactError(f"corrupt artifact: {path} ({err})") from err


def write_rows(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """Write a list of flat dicts as a Parquet table with pyarrow alone (no pandas in the per-round path)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pylist(rows)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_frame(path: str | os.PathLike, frame: Any) -> None:
    """Write a pandas DataFrame as Parquet atomically, without the index."""
    with atomic_path(path) as tmp:
        frame.to_parquet(tmp, index=False)


def read_frames(paths: list[str | os.PathLike]) -> Any:
    """Concatenate Parquet tables into one DataFrame, naming any unreadable file."""
    import pandas as pd
    import pyarrow as pa

    frames = []
    for path in paths:
        try:
            frames.append(pd.read_parquet(path))
        except (FileNotFoundError, OSError, pa.ArrowException) as err:
            raise ArtifactError(f"unreadable table: {path} ({err})") from err
    # A chain's end marker (prunability.imp.round) is a table without rows: it adds nothing.
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)
