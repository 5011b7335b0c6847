# One job per IMP round; round r depends on round r-1 and on round 0's rewind point.
# `group: "imp"` lets a cluster profile run the whole chain of one run as one job.
IMP_ARGS = (
    "--data {input.data} --out {params.out} --identity {params.identity:q} --model {wildcards.model} "
    "--seed {wildcards.seed} --recipe {params.recipe:q} {params.side} "
    "--prune-fraction {params.fraction} --ignore {params.ignore} --device {params.device} --threads {params.threads}"
)
IMP_PARAMS = dict(
    out=output_dir,
    identity=identity_json,
    recipe=recipe_json,
    side=side_arg,
    fraction=config["imp"]["prune_fraction"],
    ignore=" ".join(config["imp"]["ignore"]),
    device=config["device"],
    **COMPUTE,
)


rule imp_dense:
    input:
        data=data_of,
    output:
        round_files(f"{RUN}/round_000"),
        rewind=f"{RUN}/round_000/rewind.safetensors",
    params:
        **IMP_PARAMS,
    log:
        f"{RUN_LOGS}/round_000.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=0,
    group:
        "imp"
    shell:
        f"prunability --numerics {{params.numerics}} imp-round --round 0 {IMP_ARGS} 2> {{log}}"


# With a stop rule, a round reads the metrics of round 0 and of the rounds before it that decide whether its chain
# has ended; past the end it writes a small end marker in place of its files (prunability.imp).
rule imp_prune:
    input:
        data=data_of,
        previous=lambda w: round_files(previous_round(w)),
        rewind=f"{RUN}/round_000/rewind.safetensors",
        history=history_of,
    output:
        round_files(f"{RUN}/round_{{r}}"),
    params:
        previous=previous_round,
        stop=stop_args,
        **IMP_PARAMS,
    log:
        f"{RUN_LOGS}/round_{{r}}.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=0,
    group:
        "imp"
    shell:
        f"prunability --numerics {{params.numerics}} imp-round --round {{wildcards.r}} --previous {{params.previous}} "
        f"--rewind {{input.rewind}} {{params.stop}} {IMP_ARGS} 2> {{log}}"
