"""The last lines of a study run: where its results are, or which job failed and where its log is.

Snakemake's own closing lines are a step count and the path of its log; a user then has to hunt for the report,
or scroll back through the run for the failed job. The Snakefile's ``onsuccess``/``onerror`` print these.
"""

import re
from pathlib import Path

from prunability.layout import ADEQUACY_TABLE, figures_dir, report_path, tables_dir

LOG_LINE = re.compile(r"^\s+log: (.+?)(?: \(check log file\(s\) for error details\))?$")
REDRAW = "redraw the figures and report from the tables alone: make figures (with CONFIG=<file> for a preset), or "
REDRAW += "the command that ran the study with `figures --allowed-rules draw_figures structure_figures html_report` "
REDRAW += "right after `snakemake`"


def failed_job_logs(text: str) -> list[str]:
    """Log files of every failed job in a snakemake log, in order, without repeats.

    A failed job is reported as an indented block that opens with ``Error in rule X:`` (or, for a group job,
    ``message: Error in group X``) and whose ``log:`` lines name the rules' logs and, on SLURM, the job's own
    SLURM log; the block ends at the next line that is not indented.
    """
    logs: list[str] = []
    in_error = False
    for line in text.splitlines():
        body = line.strip()
        if body.startswith(("Error in ", "message: Error in ")):
            in_error = True
        elif in_error and (match := LOG_LINE.match(line)):
            logs.extend(p for p in match.group(1).split(", ") if p not in logs)
        elif line and not line[0].isspace() and not line.startswith("["):
            in_error = False
    return logs


def yardstick_lines(study: str) -> list[str]:
    """How many cells pass the yardstick and which are flagged (nothing where the study has no adequacy table)."""
    path = Path(tables_dir(study)) / ADEQUACY_TABLE
    if not path.is_file():
        return []
    import pandas as pd

    from prunability.yardstick import flagged_lines

    return [f"  {line}" for line in flagged_lines(pd.read_parquet(path))]


def success_message(study: str) -> str:
    """Where a finished study's results are, how to redraw them, and which cells' dense networks are flagged."""
    return "\n".join(
        [
            f"prunability: study {study!r} is complete.",
            f"  report:  {report_path(study)}",
            f"  tables:  {tables_dir(study)}/",
            f"  figures: {figures_dir(study)}/",
            f"  {REDRAW}",
            *yardstick_lines(study),
        ]
    )


def failure_message(snakemake_log: str | list[str] | None) -> str:
    """Name the failed jobs' logs, read from snakemake's log(s) of this run (a path, or a list of them)."""
    paths = [snakemake_log] if isinstance(snakemake_log, str) else list(snakemake_log or [])
    text = "\n".join(Path(p).read_text() for p in paths if Path(p).is_file())
    logs = failed_job_logs(text)
    lines = ["prunability: the study stopped because a job failed."]
    if logs:
        lines += ["  failed job log(s), the rule's and, on SLURM, the job's own:", *(f"    {p}" for p in logs)]
    else:
        lines.append(f"  see the errors above, or snakemake's log: {', '.join(paths) or 'none written'}")
    lines.append("  Fix the cause and run the same command again: finished jobs are kept.")
    return "\n".join(lines)
