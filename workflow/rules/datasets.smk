rule dataset:
    output:
        DATA,
    params:
        kind=lambda w: experiment(w)["dataset"]["kind"],
        params=dataset_params,
        dimension=data_dimension,
        seed=data_seed,
    log:
        f"{LOGS}/data/{{experiment}}/{{datakey}}.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability dataset --kind {params.kind} --params {params.params:q} "
        "--dimension {params.dimension} --seed {params.seed} --threads {threads} --out {output} 2> {log}"


rule measure_dim:
    input:
        f"{STUDY}/data/{{experiment}}/dim{{dimension}}/seed{{seed}}.safetensors",
    output:
        MEASURED,
    params:
        samples=config["statistics"]["id_samples"],
        k=config["statistics"]["id_neighbours"],
    log:
        f"{LOGS}/measured_dim/{{experiment}}/dim{{dimension}}/seed{{seed}}.log",
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability measure-dim --data {input} --out {output} --experiment {wildcards.experiment} "
        "--dimension {wildcards.dimension} --seed {wildcards.seed} --samples {params.samples} --k {params.k} "
        "--threads {threads} 2> {log}"
