"""What `python -m pipeline.run` removes from --output_dir before it writes: the files an earlier
run of the same stages wrote there (commit markers first), never another file, never an input."""
from __future__ import annotations

from pipeline.run import clear_earlier_outputs, earlier_outputs

CORPUS = ["corpus_stats.json", "articles/part-00000-of-00002.parquet",
          "links/part-00001-of-00002.parquet", "articles/.part-00001-of-00002.parquet.tmp-1a2b"]
PAIRS = ["pairs/metadata.json", "pairs/vocab.txt", "pairs/train/ict-00000-of-00012.tfrecord.gz",
         "pairs/valid/wlp-00003-of-00004.tfrecord.gz",
         "pairs/train/.ict-00001-of-00012.tfrecord.gz.tmp-3c4d", "pairs/.metadata.json.tmp-5e6f"]
OTHERS = ["notes.txt", "pairs/train/README.md", "model/checkpoints/ckpt-1.index",
          "articles/part-00000-of-00002.parquet.bak"]


def _tree(root, names):
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)


def _relative(root, paths):
    return [str(p).removeprefix(f"{root}/") for p in paths]


def test_the_earlier_run_of_the_stages_that_run_is_removed_markers_first(tmp_path):
    _tree(tmp_path, CORPUS + PAIRS + OTHERS)
    found = _relative(tmp_path, earlier_outputs(str(tmp_path), corpus=True, pairs=True))
    assert found[:2] == ["corpus_stats.json", "pairs/metadata.json"]
    assert sorted(found) == sorted(CORPUS + PAIRS)
    assert sorted(_relative(tmp_path, earlier_outputs(str(tmp_path), corpus=False, pairs=True))
                  ) == sorted(PAIRS)

    assert clear_earlier_outputs(str(tmp_path), corpus=False, pairs=True,
                                 inputs=(str(tmp_path / "pairs/vocab.txt"),)) == len(PAIRS) - 1
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left == sorted(CORPUS + OTHERS + ["pairs/vocab.txt"])  # --vocab is read: kept


def test_a_fresh_directory_has_nothing_to_remove(tmp_path):
    assert clear_earlier_outputs(str(tmp_path / "new"), corpus=True, pairs=True) == 0
