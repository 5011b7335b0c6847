"""Arguments several groups of subcommands share, and how they are read."""

import argparse
import json
import sys

SIDE_HELP = "bring stored images to this side per batch (nearest neighbour); default: as stored"


def checked_identity(identity: dict, model: str, seed: object) -> dict:
    """``identity`` if it names the run of ``model`` and ``seed``; exit naming the mismatch otherwise, so a table
    row can never name another run than the one computed."""
    if identity.get("model") != model or identity.get("seed") != seed:
        sys.exit(f"identity {json.dumps(identity)} does not name the run of model {model}, seed {seed}")
    return identity


def identity(args: argparse.Namespace) -> dict:
    """The run's identity columns (``--identity`` JSON, as the workflow writes it), checked against --model
    (and --seed where the command has one)."""
    given = json.loads(args.identity)
    return checked_identity(given, args.model, getattr(args, "seed", given.get("seed")))


def labels(pairs: list[str]) -> dict[str, str]:
    """``["task=task dimension"]`` -> ``{"task": "task dimension"}``."""
    return dict(p.split("=", 1) for p in pairs)


def per_round_analysis_args(s: argparse.ArgumentParser, out: str) -> None:
    """The arguments the per-round analyses share: what they evaluate on, who they are, where they run."""
    s.add_argument("--data", required=True, help="the run's data artifact (its test split is used)")
    s.add_argument("--side", type=int, help=SIDE_HELP)
    s.add_argument("--model", required=True)
    s.add_argument("--identity", required=True, help="the run's columns as JSON (see imp-round)")
    s.add_argument("--out", required=True, help=out)
    s.add_argument("--settings", default="{}", help="the experiment's analysis block as JSON (batch_size, chunk, ...)")
    s.add_argument("--device", default="auto")
    s.add_argument("--threads", type=int, default=1)
