rule dataset:
    output:
        DATA,
    # Before any round job (whose priority is the work its chain has left): a chain cannot start before its
    # data, and a few seconds of data jobs left behind the rounds kept the longest chain waiting (performance.md).
    priority: DATA_FIRST
    params:
        kind=lambda w: DATASETS[w.datakey].kind,
        params=lambda w: DATASETS[w.datakey].params,
        generated=dataset_args,
        **COMPUTE,
    log:
        job_log("data/{datakey}"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability --numerics {params.numerics} dataset --kind {params.kind} --params {params.params:q} "
        "{params.generated} --threads {params.threads} --out {output} 2> {log}"


rule measure_dim:
    input:
        measured_data,
    output:
        MEASURED,
    params:
        artifacts=measured_artifacts,
        samples=config["statistics"]["id_samples"],
        k=config["statistics"]["id_neighbours"],
        **COMPUTE,
    log:
        job_log("measured_dim/{experiment}"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=4000,
        runtime=30,
        gpu=0,
    shell:
        "prunability --numerics {params.numerics} measure-dim --runs {params.artifacts} --out {output} "
        "--samples {params.samples} --k {params.k} --threads {params.threads} 2> {log}"


# The yardstick's reference learner on every data artifact of an experiment (prunability.reference): one job per
# experiment, like the measuring job; cells and seeds that share a data file share one fit.
rule reference:
    input:
        reference_data,
    output:
        REFERENCE,
    params:
        artifacts=reference_artifacts,
        device=config["device"],
        **COMPUTE,
    log:
        job_log("reference/{experiment}"),
    conda:
        ENV
    threads: config["threads"]
    resources:
        mem_mb=8000,
        runtime=30,
        gpu=0,
    shell:
        "prunability --numerics {params.numerics} reference --runs {params.artifacts} --out {output} "
        "--device {params.device} --threads {params.threads} 2> {log}"
