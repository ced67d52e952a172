"""The README and docs/ cannot drift from the code: every command block either runs, in order, on
`make demo`'s outputs (```sh and ```python blocks), or has each of its project commands parsed by
that command's own parser (```sh flags-only: cloud runs, runs of hours, data not on this machine).
What a command prints is a ```text block. A block of any other kind fails the first test, so a
new command block cannot slip past both checks."""
from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import os
import pathlib
import re
import shlex
import subprocess
import sys
import textwrap

import pytest

REPO = pathlib.Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
RUN, FLAGS_ONLY = ("sh", "python"), ("sh flags-only",)
KINDS = (*RUN, *FLAGS_ONLY, "text", "yaml")
FENCE = re.compile(r"^( *)```(.*)$")
PROJECT_PACKAGES = ("schemas", "pipeline", "trainer", "wikipairs")


@dataclasses.dataclass(frozen=True)
class Block:
    path: pathlib.Path
    line: int  # of the opening fence, 1-based
    kind: str
    text: str

    def __str__(self):
        return f"{self.path.relative_to(REPO)}:{self.line}"


def blocks(path: pathlib.Path) -> list[Block]:
    found, lines = [], path.read_text().splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, kind = opening.group(1), opening.group(2).strip()
        end = next(j for j in range(i + 1, len(lines)) if lines[j].strip() == "```")
        body = textwrap.dedent("\n".join(lines[i + 1:end]))
        found.append(Block(path, i + 1, kind, body + "\n"))
        assert all(not l.strip() or l.startswith(indent) for l in lines[i + 1:end]), path
        i = end + 1
    return found


ALL = [b for path in DOCS for b in blocks(path)]


def test_every_block_says_what_it_is():
    assert ALL, "no blocks found"
    wrong = [f"{b}: ```{b.kind}" for b in ALL if b.kind not in KINDS]
    assert not wrong, f"label each block one of {KINDS}: {wrong}"


# -- flags-only: each project command's flags, parsed by the command itself ----------------------

def commands(text: str) -> list[list[str]]:
    """The simple commands of a shell block, as argument lists: continuations joined, comments,
    here-documents and leading VAR=value assignments dropped, split at && || ; |."""
    logical, pending, heredoc = [], "", None
    for line in text.splitlines():
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        if match := re.search(r"<<-?'?(\w+)'?", line):
            heredoc = match.group(1)
        pending += line
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        try:
            logical.append(shlex.split(pending, comments=True))
        except ValueError:  # a quoted string that goes on to the next line
            pending += "\n"
            continue
        pending = ""
    result = []
    for words in logical:
        command: list[str] = []
        for word in [*words, ";"]:
            if word in ("&&", "||", ";", "|"):
                while command and re.match(r"^[A-Za-z_]\w*=", command[0]):
                    command.pop(0)
                if command:
                    result.append(command)
                command = []
            else:
                command.append(word)
    return result


def project_command(words: list[str]) -> tuple[str, list[str]] | None:
    """(module, its arguments) for `python -m MODULE ...` and `wikipairs NAME ...`; ('make',
    [target]) for make; None for other programs (gcloud, docker, curl...)."""
    program = pathlib.PurePosixPath(words[0]).name
    if program.startswith("python") and len(words) > 2 and words[1] == "-m":
        return words[2], words[3:]
    if program == "wikipairs":
        return "wikipairs.cli", words[1:]
    if program == "make":
        return "make", words[1:]
    return None


def check_flags(module: str, args: list[str]) -> None:
    if module == "make":
        result = subprocess.run(["make", "-n", "-C", str(REPO), *args], capture_output=True,
                                text=True)
        assert result.returncode == 0, result.stderr
        return
    if module == "wikipairs.cli":
        from wikipairs.cli.main import JOBS, build_parser
        if args and args[0] in JOBS:
            module, args = JOBS[args[0]][0], args[1:]
        else:
            from pipeline.flags import one_flag_style
            one_flag_style(build_parser()).parse_args(args)
            return
    if module.split(".")[0] not in PROJECT_PACKAGES:  # another library's module: it must exist
        assert importlib.util.find_spec(module) is not None, f"no module {module}"
        return
    importlib.import_module(module).parse_args(args)


FLAG_BLOCKS = [b for b in ALL if b.kind in FLAGS_ONLY]


@pytest.mark.parametrize("block", FLAG_BLOCKS, ids=map(str, FLAG_BLOCKS))
def test_flags_only_blocks_parse(block, capsys):
    for words in commands(block.text):
        if found := project_command(words):
            try:
                check_flags(*found)
            except SystemExit as stop:
                pytest.fail(f"{block}: {' '.join(words)}\n{capsys.readouterr().err}{stop}")


def test_the_command_splitter_on_a_hand_worked_block():
    text = textwrap.dedent("""\
        # a comment
        PROJECT=p python -m trainer.task --a=1 \\
            --b "two words"  # trailing comment
        cat > /tmp/x <<'EOF'
        python -m not.a.command
        EOF
        make data && wikipairs stats out/x | head
        gcloud ssh vm --command="
          sudo docker run img --config=base"
        """)
    assert commands(text) == [
        ["python", "-m", "trainer.task", "--a=1", "--b", "two words"],
        ["cat", ">", "/tmp/x", "<<EOF"],
        ["make", "data"], ["wikipairs", "stats", "out/x"], ["head"],
        ["gcloud", "ssh", "vm", "--command=\n  sudo docker run img --config=base"]]


# -- sh and python blocks: run, in order, on make demo's outputs -------------------------------

RUN_BLOCKS = [b for b in ALL if b.kind in RUN]


@dataclasses.dataclass
class DemoWorkspace:
    """A directory laid out as a checkout after `make demo`, and the blocks that have run in it.
    A block reads what earlier blocks wrote, so `run_through` runs any earlier block this
    workspace has not seen first: the result cannot depend on how pytest-xdist spreads the blocks
    (`make test` keeps them on one worker, so each normally runs once)."""
    root: pathlib.Path
    ran: dict[Block, subprocess.CompletedProcess] = dataclasses.field(default_factory=dict)

    def run(self, block: Block) -> subprocess.CompletedProcess:
        if block not in self.ran:
            env = {**os.environ, "WIKIPAIRS_CACHE": str(self.root / "cache"),
                   "PATH": f"{pathlib.Path(sys.executable).parent}:{os.environ['PATH']}",
                   "PYTHONPATH": str(REPO)}
            command = (["bash", "-e", "-o", "pipefail", "-c", block.text] if block.kind == "sh"
                       else [sys.executable, "-"])
            self.ran[block] = subprocess.run(
                command, input=block.text if block.kind == "python" else None, cwd=self.root,
                env=env, capture_output=True, text=True, timeout=1200)
        return self.ran[block]

    def run_through(self, block: Block) -> subprocess.CompletedProcess:
        for earlier in RUN_BLOCKS[:RUN_BLOCKS.index(block)]:
            if self.run(earlier).returncode != 0:
                pytest.fail(f"{block} not run: the earlier block {earlier} failed")
        return self.run(block)


@pytest.fixture(scope="module")
def demo_workspace(sample_pairs, tiny_model, tmp_path_factory) -> DemoWorkspace:
    """data/, .venv/, and out/demo/ holding the sample job's corpus and pairs (the session's
    fixture: make demo's pair flags) and a trained `tiny` model. New outputs of the blocks go next
    to them, never into them."""
    workspace = tmp_path_factory.mktemp("docs")
    (workspace / "data").symlink_to(REPO / "data")
    if sys.prefix != sys.base_prefix:
        (workspace / ".venv").symlink_to(sys.prefix)
    demo = workspace / "out" / "demo"
    demo.mkdir(parents=True)
    for entry in sample_pairs["dir"].parent.iterdir():
        (demo / entry.name).symlink_to(entry)
    (demo / "model").symlink_to(tiny_model[2])
    return DemoWorkspace(workspace)


@pytest.mark.slow
@pytest.mark.xdist_group("demo_blocks")
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=map(str, RUN_BLOCKS))
def test_command_blocks_run_on_the_demo(block, demo_workspace):
    result = demo_workspace.run_through(block)
    assert result.returncode == 0, (f"{block} failed:\n{block.text}\n--- stdout\n"
                                    f"{result.stdout[-3000:]}\n--- stderr\n{result.stderr[-3000:]}")
