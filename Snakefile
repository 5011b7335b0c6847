# prunability: IMP with weight rewinding as a DAG. Logic lives in src/prunability; rules only call its CLI.
import sys

from prunability.config.validation import validate
from prunability.operations.runlog import failure_message, success_message
from prunability.operations.wakeups import one_pending_wakeup


# A study contains exactly the experiments its config file names: config.yaml (the default study) is read
# only when no --configfile is given, since Snakemake would otherwise merge a preset into it dict by dict.
if not workflow.overwrite_configfiles:

    configfile: "config.yaml"


validate(config)
# One pending wake-up of the scheduler at a time (prunability.operations.wakeups): its controller stays off the cores.
one_pending_wakeup()


include: "workflow/rules/common.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/imp.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/structure.smk"
include: "workflow/rules/figures.smk"


# Seconds of pandas and matplotlib over small tables: on a cluster they run beside the controller instead of
# waiting in the queue.
localrules:
    all,
    figures,
    tables,
    fingerprint,
    yardstick,
    stats,
    draw_figures,
    html_report,
    structure_tables,
    structure_figures,


# Every round's artifacts and analyses are targets too: Snakemake does not rebuild a deleted intermediate file while its
# downstream outputs exist, so naming them here makes a deleted round recompute (with what depends on it).
rule all:
    input:
        REPORT,
        TABLES,
        ALL_ROUND_ARTIFACTS,
        ALL_ANALYSES,


rule figures:
    input:
        FIGURES,
        REPORT,


onsuccess:
    print(success_message(config["study"]), file=sys.stderr)


onerror:
    print(failure_message(log), file=sys.stderr)
