"""Model names and stage names without torch: config validation, the Snakefile, tables, figures and reports
read names, and importing torch would cost each of those processes more than its own work.

``mlp-256-128`` is MLP-P-Q with P=256, Q=128; ``resnet20-16`` is ResNet20 of width 16; ``vgg16-64`` and
``regnetx200mf-64`` are the published VGG16 and RegNetX-200MF, ``vgg16-8`` and ``regnetx200mf-8`` their
one-eighth-width variants. The builders are in ``models.registry``, the stage maps in ``models.stages``.
"""

FAMILIES = ("mlp", "resnet20", "vgg16", "regnetx200mf")
# The families whose layers map to stages (stem, stage1..n, classifier): what the structure analyses need.
STAGED = ("resnet20", "vgg16", "regnetx200mf")
# The published networks' widths (VGG16's W, RegNetX's stem), and how the papers spell them; other widths are
# named -W<width>.
PUBLISHED = {"vgg16": (64, "VGG16"), "regnetx200mf": (64, "RegNetX-200MF")}


def parse_name(name: str) -> tuple[str, list[int]]:
    """Split ``mlp-256-128`` into ``("mlp", [256, 128])``, rejecting unknown families and bad sizes."""
    family, *sizes = name.split("-")
    if family not in FAMILIES:
        raise ValueError(f"unknown model family {family!r} in {name!r}; known: {sorted(FAMILIES)}")
    if not sizes or not all(s.isdigit() and int(s) > 0 for s in sizes):
        raise ValueError(f"model {name!r}: sizes must be positive integers, e.g. mlp-256-128")
    return family, [int(s) for s in sizes]


def display_name(name: str) -> str:
    """The papers' spelling: ``mlp-256-128`` -> ``MLP-256-128``, ``resnet20-16`` -> ``ResNet20-W16``,
    ``vgg16-64`` -> ``VGG16``, ``vgg16-8`` -> ``VGG16-W8``, ``regnetx200mf-64`` -> ``RegNetX-200MF``."""
    family, sizes = parse_name(name)
    if family == "resnet20":
        return f"ResNet20-W{sizes[0]}"
    if family in PUBLISHED:
        width, base = PUBLISHED[family]
        return base if sizes[0] == width else f"{base}-W{sizes[0]}"
    return "-".join([family.upper(), *map(str, sizes)])


def stage_rank(stage: str) -> int:
    """stem, stage1, stage2, ..., classifier."""
    return 0 if stage == "stem" else 10**6 if stage == "classifier" else int(stage.removeprefix("stage"))
