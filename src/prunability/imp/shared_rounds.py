"""One job, several runs: the same IMP round of several runs trained one after another in one process.

A round job of the task experiment computes for about a second and pays about three for the interpreter and the
imports; sharing a job pays that once for all its runs, and loads a data artifact that several runs share (every
seed of an image experiment) once. Each run still writes its own files, byte-identical to the run trained alone:
a round depends only on its spec, never on what the process did before it (the model, the data order and dropout
are seeded per run and round).

A run that fails does not take the others with it: they finish, the job fails naming the runs that failed, and
the finished runs' rounds are kept beside their directories (``<round>.salvaged``) because Snakemake deletes every
output of a failed job. The next attempt restores a kept round instead of training it again, if the round's
inputs, settings, numerics and code are still those that made it (``salvage_key``).
"""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from prunability.artifacts import read_json, write_json
from prunability.errors import SharedRoundError
from prunability.imp.chain_end import ended_after, write_end_marker
from prunability.layout import MASK_FILE, SALVAGE_KEY_FILE, SALVAGE_SUFFIX, WEIGHTS_FILE

if TYPE_CHECKING:
    from prunability.imp.round import RoundSpec

PACKAGE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Failure:
    """A run of a shared job that raised: its round directory and the error, as the job's message names it."""

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


def salvage_key(spec: RoundSpec) -> dict:
    """What made a round: its spec, the bytes of every input it reads, the numerics it would run with now (kernel
    pins, threads, device, torch), and the code."""
    from prunability.device import pick_device
    from prunability.numerics import NUMERICS_KEY, fingerprint

    inputs = [spec.data, spec.rewind]
    if spec.previous is not None:
        inputs += [spec.previous / WEIGHTS_FILE, spec.previous / MASK_FILE]
    numerics = fingerprint(pick_device(spec.device))
    return {
        "spec": {k: str(v) for k, v in asdict(spec).items() if k != "out"},
        "inputs": {str(p): _file_digest(Path(p)) for p in inputs if p is not None},
        "numerics": {k: numerics[k] for k in NUMERICS_KEY},
        "code": _code_digest(),
    }


def salvage_dir(out: Path) -> Path:
    return out.with_name(out.name + SALVAGE_SUFFIX)


def salvage(spec: RoundSpec, files: list[str]) -> None:
    """Keep a finished round's ``files`` beside its directory; the key, written last, names the files kept."""
    kept = salvage_dir(spec.out)
    shutil.rmtree(kept, ignore_errors=True)
    kept.mkdir(parents=True)
    names = [name for name in files if (spec.out / name).exists()]
    for name in names:
        shutil.copy2(spec.out / name, kept / name)
    write_json(kept / SALVAGE_KEY_FILE, {**salvage_key(spec), "files": names})


def restore(spec: RoundSpec) -> bool:
    """Put a kept round back in place if it is whole and was made from the same inputs, settings, numerics and
    code; drop it either way."""
    kept = salvage_dir(spec.out)
    if not kept.is_dir():
        return False
    key = read_json(kept / SALVAGE_KEY_FILE) if (kept / SALVAGE_KEY_FILE).exists() else {}
    names = key.pop("files", [])
    usable = bool(names) and all((kept / n).exists() for n in names) and key == salvage_key(spec)
    if usable:
        spec.out.mkdir(parents=True, exist_ok=True)
        for name in names:
            (kept / name).replace(spec.out / name)
    shutil.rmtree(kept, ignore_errors=True)
    return usable


@contextlib.contextmanager
def logging_to(log: Path | None, mode: str = "w") -> Iterator[None]:
    """Send this run's progress (``sys.stderr``) to its own log; with no log, leave stderr alone."""
    if log is None:
        yield
        return
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, mode) as handle, contextlib.redirect_stderr(handle):
        yield


def _train_or_restore(spec: RoundSpec, log: Path | None, cache) -> Failure | None:
    """One run of a shared job, logging to its own log (appended to where a previous attempt's round is put
    back, so its training stays on record)."""
    from prunability.imp.round import run_round

    kept = salvage_dir(spec.out).is_dir()
    with logging_to(log, "a" if kept else "w"):
        try:
            if restore(spec):
                print(f"round {spec.round}: restored as the previous attempt left it", file=sys.stderr)
            else:
                run_round(spec, cache)
        except Exception as err:  # one run's failure must not stop the others
            traceback.print_exc()
            return Failure(spec.out, f"{type(err).__name__}: {err}")
    return None


def run_shared(specs: list[RoundSpec], logs: list[Path | None], files: list[str]) -> None:
    """Train the same round of every spec in turn, each logging to its own log; a data artifact read by
    consecutive runs is loaded once. Raise ``SharedRoundError`` naming the failed runs after trying them all."""
    from prunability.imp.round import DataCache

    cache = DataCache()
    outcomes = [(spec, _train_or_restore(spec, log, cache)) for spec, log in zip(specs, logs, strict=True)]
    failures = [failure for _, failure in outcomes if failure is not None]
    if failures:
        for spec, failure in outcomes:
            if failure is None:
                salvage(spec, files)
        raise SharedRoundError(
            f"{len(failures)} of {len(specs)} runs failed (their logs say why): "
            + "; ".join(f"{f.out}: {f.error}" for f in failures)
        )


@dataclass(frozen=True)
class RoundJob:
    """What the runs of one round job share: the model, the round, the recipe and where and how they train."""

    model: str
    round: int
    recipe: dict
    prune_fraction: float
    ignore: tuple[str, ...]
    device: str
    threads: int
    side: int | None
    stop: dict | None


def _ended(job: RoundJob, run: dict) -> bool:
    """Write ``run``'s end marker and say so where its chain has ended before ``job``'s round (no torch needed)."""
    tic = time.perf_counter()
    previous = Path(run["previous"]) if run.get("previous") else None
    after = ended_after(job.stop, job.round, previous, tuple(map(Path, run.get("history", []))))
    if after is None:
        return False
    meta = {"model": job.model, "round": job.round, "seed": run["seed"]}
    with logging_to(Path(run["log"]) if run.get("log") else None):
        write_end_marker(Path(run["out"]), previous, meta, {**run["identity"], "round": job.round}, after, tic)
    return True


def run_job(job: RoundJob, runs: list[dict]) -> None:
    """Train ``job``'s round of every run in ``runs`` (each: data, out, seed, identity and, past round 0,
    previous, rewind, history; an optional log), torch limited to ``job.threads``. Runs whose chain has ended get
    their end marker first; a job of ended runs alone never imports torch."""
    runs = [run for run in runs if not _ended(job, run)]
    if not runs:
        return
    import torch

    from prunability.imp.recipe import Recipe
    from prunability.imp.round import RoundSpec
    from prunability.layout import REWIND_FILE, ROUND_FILES

    torch.set_num_threads(job.threads)
    specs = [
        RoundSpec(
            data=Path(run["data"]),
            out=Path(run["out"]),
            model=job.model,
            round=job.round,
            seed=int(run["seed"]),
            recipe=Recipe.from_dict(job.recipe),
            prune_fraction=job.prune_fraction,
            ignore=job.ignore,
            previous=Path(run["previous"]) if run.get("previous") else None,
            rewind=Path(run["rewind"]) if run.get("rewind") else None,
            device=job.device,
            run=tuple(run["identity"].items()),
            side=job.side,
        )
        for run in runs
    ]
    logs = [Path(run["log"]) if run.get("log") else None for run in runs]
    run_shared(specs, logs, [*ROUND_FILES, REWIND_FILE])
