# One job per IMP round: of one run, of every seed of one cell, or of every cell and seed of one model, one after
# another (imp.runs_per_job, prunability.imp.shared_rounds). Round r depends on round r-1 and on round 0's rewind
# point of each of its runs. The rules below are made once for the experiments whose jobs name a cell (cell_job
# None) and once per experiment whose jobs train every cell (CELL_JOBS), whose outputs name its cells literally.
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
# (rule-name suffix, the experiments the rules make rounds of, cell_job)
IMP_RULES = [("", EXPERIMENTS_BY_CELL, None), *((f"_{e}", e, e) for e in CELL_JOBS)]

for suffix, experiments, cell_job in IMP_RULES:

    rule:
        name:
            f"imp_dense{suffix}"
        wildcard_constraints:
            experiment=experiments,
        input:
            data=job_data,
        output:
            job_outputs(round_name(0), (*ROUND_FILES, REWIND_FILE), cell_job),
        params:
            **IMP_PARAMS,
        log:
            **round_logs(round_name(0), cell_job),
        conda:
            ENV
        threads: config["threads"]
        priority: work_left
        resources:
            mem_mb=4000,
            runtime=60 * len(member_patterns(cell_job)),  # minutes, for every run of the job
            gpu=0,
        group:
            "imp"
        shell:
            f"prunability --numerics {{params.numerics}} imp-round --round 0 {IMP_ARGS} 2> {{log.job}}"

    # With a stop rule, a round reads the metrics of round 0 and of the rounds before it that decide whether its
    # chain has ended; past the end it writes a small end marker in place of its files (prunability.imp.round).
    rule:
        name:
            f"imp_prune{suffix}"
        wildcard_constraints:
            experiment=experiments,
        input:
            data=job_data,
            previous=job_previous,
            rewind=job_rewinds,
            history=job_history,
        output:
            job_outputs(round_name("r"), ROUND_FILES, cell_job),
        params:
            stop=stop_arg,
            **IMP_PARAMS,
        log:
            **round_logs(round_name("r"), cell_job),
        conda:
            ENV
        threads: config["threads"]
        priority: work_left
        resources:
            mem_mb=4000,
            runtime=60 * len(member_patterns(cell_job)),  # minutes, for every run of the job
            gpu=0,
        group:
            "imp"
        shell:
            f"prunability --numerics {{params.numerics}} imp-round --round {{wildcards.r}} {{params.stop}} {IMP_ARGS} 2> {{log.job}}"
