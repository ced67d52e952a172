"""The house's layers, read off the source: every import of a project module (function-local ones
too) goes down or sideways, never up, and no module imports itself back through others; the wheel
installs only the project's own top-level names.

    schemas  <  pipeline  <  trainer  <  wikipairs.retrieval  <  wikipairs.reqa, wikipairs.cli

(schemas: the on-disk formats; pipeline: the Beam job, and the progress/optional-import helpers
every layer uses; trainer: models, training, export, held-out ranking; wikipairs: the search
index, ReQA and the `wikipairs` command.)"""
from __future__ import annotations

import ast
import pathlib
import subprocess
import sys
import tomllib
import zipfile

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
TOP_LEVEL = ("schemas", "pipeline", "trainer", "wikipairs")
LAYERS = {"schemas": 0, "pipeline": 1, "trainer": 2, "wikipairs": 3, "wikipairs.retrieval": 3,
          "wikipairs.reqa": 4, "wikipairs.cli": 4}


def project_modules() -> dict[str, pathlib.Path]:
    modules = {}
    for top in TOP_LEVEL:
        for path in (REPO / top).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(name: str, path: pathlib.Path, modules) -> set[str]:
    """The project modules `name` imports anywhere in its source (resolved to the longest known
    module: `from trainer import ranking` is trainer.ranking, `from trainer.config import X` is
    trainer.config)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(".".join(parts[:2]), LAYERS[parts[0]])


@pytest.fixture(scope="module")
def graph():
    modules = project_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def test_no_import_goes_up_a_layer(graph):
    upward = sorted(f"{name} (layer {layer(name)}) imports {target} (layer {layer(target)})"
                    for name, targets in graph.items() for target in targets
                    if layer(target) > layer(name))
    assert not upward, "\n".join(upward)


def test_no_import_circle(graph):
    """Depth-first search for a back edge; reports the circle it closes."""
    state, stack, circles = {}, [], []

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                circles.append(" -> ".join(stack[stack.index(target):] + [target]))
            elif target not in state:
                visit(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module)
    assert not circles, "\n".join(circles)


def test_the_checker_sees_function_local_and_relative_imports(tmp_path):
    """The reader above on a hand-made package: a function-local import is an edge too."""
    (tmp_path / "a.py").write_text("def f():\n    from b import g\n")
    (tmp_path / "b.py").write_text("import a\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    assert imports_of("a", modules["a"], modules) == {"b"}
    assert imports_of("b", modules["b"], modules) == {"a"}


def test_pyproject_lists_every_package():
    listed = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    on_disk = sorted(".".join(path.parent.relative_to(REPO).parts)
                     for top in TOP_LEVEL for path in (REPO / top).rglob("__init__.py"))
    assert sorted(listed) == on_disk


@pytest.mark.slow
def test_the_wheel_installs_only_the_project_top_level_names(tmp_path):
    """Built from a copy of the tree: setuptools' in-tree build/ directory can hold modules of an
    older layout, which would then ship."""
    import shutil

    source = tmp_path / "src"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", ".venv", "out", "data", "build", "*.egg-info", "__pycache__", ".pytest_cache",
        "bench"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                            "--no-build-isolation", "--quiet", "--wheel-dir", str(tmp_path),
                            str(source)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = tmp_path.glob("wikipairs-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    top = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top == set(TOP_LEVEL)
    assert "wikipairs/cli/main.py" in names and "pipeline/run.py" in names
    assert "wikipairs/reqa/sample_qa.jsonl" in names  # the ablation's questions, installed too
    assert not any(name.startswith(("tests/", "bench/")) for name in names)
    # The declared license, shipped: Apache-2.0 in pyproject, its text in LICENSE and the wheel.
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["license"]
    assert declared == {"text": "Apache-2.0"}
    (shipped,) = [name for name in names if name.endswith(".dist-info/LICENSE")]
    text = zipfile.ZipFile(wheel).read(shipped).decode()
    assert text == (REPO / "LICENSE").read_text() and "Version 2.0, January 2004" in text
