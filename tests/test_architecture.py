"""The package's shape: no import cycle, no oversized module, no artifact's file name spelled outside
``prunability.layout`` (help texts and docstrings aside), no torch where only names and tables are read."""

import ast
import re
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "src" / "prunability"
MAX_LINES = 300
# A string that is a file name (or a name's fixed part) of an artifact, a table, a figure or a log.
FILE_NAME = re.compile(r"^[\w./{}<>-]*\.(parquet|safetensors|json|png|pdf|html|md|csv|log)$")


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
        modules[name] = path
    return modules


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules ``path`` imports when it is imported (deferred imports inside functions aside)."""
    found = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("prunability"):
            found |= {
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in modules else node.module for a in node.names
            }
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
    return found & set(modules)


def test_no_module_imports_itself_through_others():
    modules = _modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            raise AssertionError(f"import cycle: {' -> '.join([*path[path.index(name) :], name])}")
        if name not in done:
            for dep in sorted(graph[name]):
                visit(dep, [*path, name])
            done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_every_module_is_small():
    big = {
        str(p.relative_to(PACKAGE)): n
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not big, f"modules over {MAX_LINES} lines: {big}"


def _spelled_names(path: Path) -> list[str]:
    """File names in ``path``'s code: string constants outside docstrings and argparse help texts."""
    tree = ast.parse(path.read_text())
    skip = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            skip.add(id(body[0].value))
        if isinstance(node, ast.keyword) and node.arg == "help":
            skip |= {id(n) for n in ast.walk(node.value)}
    return [
        f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip
        if FILE_NAME.match(node.value)
    ]


def test_file_names_are_spelled_in_layout_alone():
    spelled = [hit for path in PACKAGE.rglob("*.py") if path.name != "layout.py" for hit in _spelled_names(path)]
    assert not spelled, "file names outside prunability.layout:\n" + "\n".join(spelled)


# What the Snakefile imports, and what the jobs that read tables alone run: statistics, figures, reports.
TORCH_FREE = (
    "prunability.config.validation",
    "prunability.config.plan",
    "prunability.structure.registry",
    "prunability.operations.runlog",
    "prunability.dimensionality.tables",
    "prunability.dimensionality.stats_tables",
    "prunability.dimensionality.figures",
    "prunability.reporting.study_report",
    "prunability.structure.tables",
    "prunability.structure.figures",
)


def test_the_controller_and_the_table_jobs_never_import_torch():
    """Importing torch costs a process about 2 s of CPU; the controller and every job that only reads tables
    would pay it for nothing, and a study runs dozens of them."""
    code = f"import sys\nfor m in {TORCH_FREE!r}: __import__(m)\nprint('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
