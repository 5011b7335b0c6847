"""One job, several runs: the same IMP round of several runs trained one after another in one process.

A round job of the task experiment computes for about a second and pays about three for the interpreter and the
imports; sharing a job pays that once for all its runs, and loads a data artifact that several runs share (every
seed of an image experiment) once. Each run still writes its own files, byte-identical to the run trained alone:
a round depends only on its spec, never on what the process did before it (the model, the data order and dropout
are seeded per run and round).

A run that fails does not take the others with it: they finish, the job fails naming the runs that failed, and
the finished runs' rounds are kept beside their directories (``<round>.salvaged``) because Snakemake deletes every
output of a failed job. The next attempt restores a kept round instead of training it again, if the round's
inputs, settings and code are still those that made it (``salvage_key``).
"""

import contextlib
import hashlib
import shutil
import sys
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from prunability.artifacts import read_json, write_json
from prunability.errors import SharedRoundError

SALVAGE_SUFFIX = ".salvaged"
KEY_FILE = "key.json"
PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Failure:
    """A run of a shared job that raised: its round directory and the error's last line."""

    out: Path
    error: str


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _code_digest() -> str:
    """The package's source: a kept round made by other code is not restored."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def salvage_key(spec) -> dict:
    """What made a round: its spec, the bytes of every input it reads, the code and torch's version."""
    import torch

    inputs = [spec.data, spec.rewind, *spec.history]
    if spec.previous is not None:
        inputs += [spec.previous / "weights.safetensors", spec.previous / "mask.safetensors"]
    return {
        "spec": {k: str(v) for k, v in asdict(spec).items() if k != "out"},
        "inputs": {str(p): _file_digest(Path(p)) for p in inputs if p is not None},
        "code": _code_digest(),
        "torch": torch.__version__,
    }


def salvage_dir(out: Path) -> Path:
    return out.with_name(out.name + SALVAGE_SUFFIX)


def salvage(spec, files: list[str]) -> None:
    """Keep a finished round's ``files`` beside its directory, with the key that says what made them."""
    kept = salvage_dir(spec.out)
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    for name in files:
        if (spec.out / name).exists():
            shutil.copy2(spec.out / name, kept / name)
    write_json(kept / KEY_FILE, salvage_key(spec))


def restore(spec) -> bool:
    """Put a kept round back in place if it was made from the same inputs, settings and code; drop it if not."""
    kept = salvage_dir(spec.out)
    if not kept.is_dir():
        return False
    usable = (kept / KEY_FILE).exists() and read_json(kept / KEY_FILE) == salvage_key(spec)
    if usable:
        spec.out.mkdir(parents=True, exist_ok=True)
        for path in kept.iterdir():
            if path.name != KEY_FILE:
                path.replace(spec.out / path.name)
    shutil.rmtree(kept, ignore_errors=True)
    return usable


@contextlib.contextmanager
def logging_to(log: Path | None) -> Iterator[None]:
    """Send this run's progress (``sys.stderr``) to its own log; with no log, leave stderr alone."""
    if log is None:
        yield
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w") as handle, contextlib.redirect_stderr(handle):
        yield


def run_shared(specs: list, logs: list[Path | None], files: list[str]) -> None:
    """Train the same round of every spec in turn, each logging to its own log; a data artifact read by
    consecutive runs is loaded once. Raise ``SharedRoundError`` naming the failed runs after trying them all."""
    from prunability.imp import DataCache, run_round

    cache = DataCache()
    failures, finished = [], []
    for spec, log in zip(specs, logs, strict=True):
        with logging_to(log):
            try:
                if restore(spec):
                    print(f"round {spec.round}: restored as the previous attempt left it", file=sys.stderr)
                else:
                    run_round(spec, cache)
                finished.append(spec)
            except Exception as err:
                traceback.print_exc()
                failures.append(Failure(spec.out, f"{type(err).__name__}: {err}"))
    if failures:
        for spec in finished:
            salvage(spec, files)
        raise SharedRoundError(
            f"{len(failures)} of {len(specs)} runs failed (their logs say why): "
            + "; ".join(f"{f.out}: {f.error}" for f in failures)
        )
