"""The ablation's plan and outputs, without the half hour of training: every step's flags parse
with the command it runs (a typo fails here, not 20 minutes into a run), the variants train on the
tasks they name, and the table and plot come from evaluation reports."""
from __future__ import annotations

import importlib
import json
import pathlib

import pytest

from reqa.evaluate import run as evaluate_reqa
from trainer.experiments.ablation import VARIANTS, AblationConfig, markdown_table, plan, plot

REPO = pathlib.Path(__file__).resolve().parent.parent
HANDMADE = REPO / "tests" / "data" / "reqa_handmade.json"


def _parse(argv: list[str]):
    """Parse a step's argv with the parser of the module it runs."""
    module, *flags = argv
    if module == "pipeline.run":
        args, beam_args = importlib.import_module(module).parse_args(flags)
        assert beam_args == [], f"flags pipeline.run does not know: {beam_args}"
        return args
    return importlib.import_module(module).parse_args(flags)


@pytest.mark.parametrize("source", ["squad", "questions"])
def test_every_step_parses_and_variants_train_their_tasks(source, tmp_path):
    config = AblationConfig(splits=("1/99", "80/20"))
    steps, reports = plan(config, ["dump.xml.bz2"], "s.json" if source == "squad" else None,
                          "q.jsonl" if source == "questions" else None, str(tmp_path))
    parsed = {name: _parse(argv) for name, argv in steps}
    pretrain = {name: args for name, args in parsed.items() if name.startswith("pre-train")}
    assert len(pretrain) == sum(w is not None for w in VARIANTS.values())
    from trainer.config import parse_set_flags

    for name, weights in VARIANTS.items():
        if isinstance(weights, dict):
            sets = parse_set_flags(pretrain[f"pre-train {name}"].assignments)
            assert sets["data"]["task_weights"] == weights
    mlm_step = dict(steps)["pre-train MLM"]
    assert mlm_step[0] == "trainer.mlm" and pretrain["pre-train MLM"].model_dir.endswith("/mlm")
    finetunes = [args for name, args in parsed.items() if name.startswith("fine-tune")]
    assert len(finetunes) == len(VARIANTS) * 2
    assert sum(1 for args in finetunes if args.init_checkpoint) == len(pretrain) * 2
    assert set(reports) == {"1/99", "80/20"}
    names = [name for name, _ in steps]
    assert names.index("pipeline") < names.index("pre-train ICT") < names.index(
        "fine-tune ICT on 1/99") < names.index("evaluate 1/99")
    assert ("SQuAD from corpus" in names) == (source == "questions")


def test_table_and_plot_from_reports(tmp_path):
    reports = {split: evaluate_reqa(str(HANDMADE), bm25=True, report=lambda line: None)
               for split in ("5/95", "80/20")}
    table = markdown_table(reports)
    rows = [line for line in table.splitlines() if line.startswith("| 5/95") or
            line.startswith("| 80/20")]
    assert len(rows) == 2 and rows[0].startswith("| 5/95 | BM25 | ")
    bm25 = reports["5/95"]["systems"]["BM25"]
    assert f"{bm25['recall@1']:.3f}" in rows[0] and f"{bm25['mrr']:.3f}" in rows[0]
    assert "5 test questions, 5 candidate sentences" in table
    plot(reports, str(tmp_path / "ablation.png"))
    assert (tmp_path / "ablation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    json.dumps(reports)  # the reports are what ablation.py reads back from --output files


def test_variants_choose_the_rows(tmp_path):
    config = AblationConfig(variants=("no pre-training", "BFS"))
    steps, _ = plan(config, ["dump.xml.bz2"], "s.json", None, str(tmp_path))
    names = [name for name, _ in steps]
    assert [n for n in names if n.startswith(("pre-train", "fine-tune"))] == [
        "pre-train BFS", "fine-tune no pre-training on 80/20", "fine-tune BFS on 80/20"]
    evaluate = dict(steps)["evaluate 80/20"]
    assert sum(flag.startswith("--model=") for flag in evaluate) == 2


def test_an_unknown_variant_is_refused(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "trainer.experiments.ablation", "--input=x.bz2", "--squad=s.json",
         f"--output_dir={tmp_path}", "--variants=ICT,ELMo"], cwd=REPO, text=True,
        capture_output=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("--variants: unknown ['ELMo']")
