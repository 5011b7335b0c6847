# One job per IMP round: of one run, or of every seed of one cell one after another (imp.runs_per_job,
# prunability.imp.shared_rounds). Round r depends on round r-1 and on round 0's rewind point of each of its runs.
# `group: "imp"` lets a cluster profile run the whole chain of one job's runs as one cluster job.
IMP_ARGS = (
    "--model {wildcards.model} --recipe {params.recipe:q} {params.side} --prune-fraction {params.fraction} "
    "--ignore {params.ignore} --device {params.device} --threads {params.threads} --runs {params.runs}"
)
IMP_PARAMS = dict(
    runs=job_runs,
    recipe=recipe_json,
    side=side_arg,
    fraction=config["imp"]["prune_fraction"],
    ignore=" ".join(config["imp"]["ignore"]),
    device=config["device"],
    **COMPUTE,
)


rule imp_dense:
    input:
        data=job_data,
    output:
        job_outputs(round_name(0), (*ROUND_FILES, REWIND_FILE)),
    params:
        **IMP_PARAMS,
    log:
        **round_logs(round_name(0)),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60 * len(JOB_SEEDS),  # minutes, for every run of the job
        gpu=0,
    group:
        "imp"
    shell:
        f"prunability --numerics {{params.numerics}} imp-round --round 0 {IMP_ARGS} 2> {{log.job}}"


# With a stop rule, a round reads the metrics of round 0 and of the rounds before it that decide whether its chain
# has ended; past the end it writes a small end marker in place of its files (prunability.imp.round).
rule imp_prune:
    input:
        data=job_data,
        previous=job_previous,
        rewind=job_rewinds,
        history=job_history,
    output:
        job_outputs(round_name("r"), ROUND_FILES),
    params:
        stop=stop_arg,
        **IMP_PARAMS,
    log:
        **round_logs(round_name("r")),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60 * len(JOB_SEEDS),  # minutes, for every run of the job
        gpu=0,
    group:
        "imp"
    shell:
        f"prunability --numerics {{params.numerics}} imp-round --round {{wildcards.r}} {{params.stop}} {IMP_ARGS} 2> {{log.job}}"
