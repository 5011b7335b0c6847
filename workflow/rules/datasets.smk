rule dataset:
    output:
        DATA,
    params:
        kind=lambda w: experiment(w)["dataset"]["kind"],
        params=dataset_params,
    log:
        f"{LOGS}/data/{{experiment}}/dim{{dimension}}/seed{{seed}}.log",
    conda:
        ENV
    resources:
        mem_mb=4000,
        runtime=30,
    shell:
        "prunability dataset --kind {params.kind} --params {params.params:q} "
        "--dimension {wildcards.dimension} --seed {wildcards.seed} --out {output} 2> {log}"
