# prunability: IMP with weight rewinding as a DAG. Logic lives in src/prunability; rules only call its CLI.
from prunability.config import validate


configfile: "config.yaml"


validate(config)


include: "workflow/rules/common.smk"
include: "workflow/rules/datasets.smk"
include: "workflow/rules/imp.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/stats.smk"
include: "workflow/rules/figures.smk"


# Every round's artifacts are targets too: Snakemake does not rebuild a deleted intermediate file while its
# downstream outputs exist, so naming them here makes a deleted round recompute (with what depends on it).
rule all:
    input:
        REPORT,
        TABLES,
        ALL_ROUND_ARTIFACTS,


rule figures:
    input:
        FIGURES,
        REPORT,
