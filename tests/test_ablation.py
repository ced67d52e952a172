"""The ablation's plan and outputs, without the half hour of training: every step's flags parse
with the command it runs (a typo fails here, not 20 minutes into a run), the variants train on the
tasks they name, and the table and plot come from evaluation reports."""
from __future__ import annotations

import importlib
import json
import pathlib

import pytest

from wikipairs.reqa.evaluate import run as evaluate_reqa
from trainer.experiments.ablation import (AS_SHIPPED, VARIANTS, AblationConfig, markdown_table,
                                          open_domain_table, plan, plot, read_reports)

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
    assert len(pretrain) == sum(v.pretrain is not None for v in VARIANTS.values())
    from trainer.config import parse_set_flags

    for name, variant in VARIANTS.items():
        if isinstance(variant.pretrain, dict):
            sets = parse_set_flags(pretrain[f"pre-train {name}"].assignments)
            assert sets["data"]["task_weights"] == variant.pretrain
    mlm_step = dict(steps)["pre-train MLM"]
    assert mlm_step[0] == "trainer.mlm" and pretrain["pre-train MLM"].model_dir.endswith("/mlm")
    finetunes = {name: args for name, args in parsed.items() if name.startswith("fine-tune")}
    assert len(finetunes) == len(VARIANTS) * 2
    assert sum(1 for args in finetunes.values() if args.init_checkpoint) == sum(
        v.pretrain is not None or v.from_checkpoint for v in VARIANTS.values()) * 2
    assert set(reports) == {"1/99", "80/20"}
    names = [name for name, _ in steps]
    assert names.index("pipeline") < names.index("pre-train ICT") < names.index(
        "fine-tune ICT on 1/99") < names.index("evaluate ICT on 1/99")
    assert ("SQuAD from corpus" in names) == (source == "questions")


def test_checkpoint_rows_use_its_vocabulary_and_start_from_it(tmp_path):
    """The MiniLM rows train on pairs tokenized with the checkpoint's vocab.txt, start from the
    checkpoint (or from their continued pre-training), keep its pooled output as the embedding,
    and are evaluated on the same test file as every other row; the checkpoint as shipped is a
    row of its own."""
    from trainer.config import parse_set_flags

    config = AblationConfig(splits=("5/95", "80/20"))
    steps, reports = plan(config, ["dump.xml.bz2"], "s.json", None, str(tmp_path))
    named = dict(steps)
    second = _parse(named["pipeline (checkpoint vocab)"])
    assert second.vocab == f"{config.checkpoint}/vocab.txt"
    checkpoint_data = second.output_dir
    assert _parse(named["pipeline"]).output_dir != checkpoint_data
    pretrain = _parse(named["pre-train MiniLM + ICT+BFS+WLP"])
    assert pretrain.init_checkpoint == f"hf:{config.checkpoint}"
    assert pretrain.train_data == f"{checkpoint_data}/pairs/train"
    sets = parse_set_flags(pretrain.assignments)
    assert sets["model"] == {"output_dim": 0}
    assert sets["train"]["steps"] == config.checkpoint_pretrain_steps
    for split in ("5/95", "80/20"):
        reqa_pairs = _parse(named[f"ReQA pairs {split} (checkpoint vocab)"])
        assert reqa_pairs.vocab == f"{checkpoint_data}/pairs"
        zero_shot = _parse(named[f"fine-tune MiniLM zero-shot on {split}"])
        continued = _parse(named[f"fine-tune MiniLM + ICT+BFS+WLP on {split}"])
        assert zero_shot.init_checkpoint == f"hf:{config.checkpoint}"
        assert continued.init_checkpoint == pretrain.model_dir
        for args in (zero_shot, continued):
            assert args.train_data == f"{reqa_pairs.output_dir}/pairs/train"
            assert parse_set_flags(args.assignments)["train"]["steps"] == \
                config.checkpoint_finetune_steps
        tiny = _parse(named[f"fine-tune ICT on {split}"])
        assert "hf:" not in tiny.init_checkpoint
        assert set(reports[split]) == {"BM25", *VARIANTS, AS_SHIPPED}
        evaluations = [argv for name, argv in steps if name.endswith(f" on {split}")
                       and name.startswith("evaluate")]
        assert len({flag for argv in evaluations for flag in argv
                    if flag.startswith("--squad=")}) == 1
        assert f"--model={AS_SHIPPED}=hf:{config.checkpoint}" in named[
            f"evaluate {AS_SHIPPED} on {split}"]
    # The open-domain table: the last split only, every system, N=0 (plain ReQA) and N.
    open_flags = {name for name, argv in steps if "--num_distractors=0,1000" in argv}
    assert open_flags == {f"evaluate {name} on 80/20" for name in reports["80/20"]}


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
    steps, reports = plan(config, ["dump.xml.bz2"], "s.json", None, str(tmp_path))
    names = [name for name, _ in steps]
    assert [n for n in names if n.startswith(("pre-train", "fine-tune"))] == [
        "pre-train BFS", "fine-tune no pre-training on 80/20", "fine-tune BFS on 80/20"]
    assert "pipeline (checkpoint vocab)" not in names  # no MiniLM row, no second pipeline
    assert list(reports["80/20"]) == ["BM25", "no pre-training", "BFS"]
    assert "--bm25_only" in dict(steps)["evaluate BM25 on 80/20"]
    assert "--no_bm25" in dict(steps)["evaluate BFS on 80/20"]


def test_reports_merge_per_split_and_open_domain(tmp_path, tiny_model):
    """Per-system reports, as the evaluation steps write them, become one report per split; an
    open-domain split's N=0 entry is its plain ReQA row (equal to a plain evaluation's)."""
    import pyarrow as pa

    from wikipairs.reqa.evaluate import run_open_domain
    from schemas.corpus import ARTICLES
    from tests.test_reqa_distractors import ARTICLE_ROWS, write_stats
    from tests.test_search import write_corpus

    corpus = str(write_corpus(tmp_path / "corpus", pa.Table.from_pylist(ARTICLE_ROWS,
                                                                        schema=ARTICLES),
                              write_stats(tmp_path / "corpus" / "stats")))
    model = f"tiny={tiny_model[2]}"
    quiet = {"report": lambda line: None}
    written = {
        "5/95/BM25": evaluate_reqa(str(HANDMADE), bm25=True, **quiet),
        "5/95/tiny": evaluate_reqa(str(HANDMADE), [model], bm25=False, **quiet),
        "80/20/BM25": run_open_domain(str(HANDMADE), corpus, [0, 3], bm25=True, **quiet),
        "80/20/tiny": run_open_domain(str(HANDMADE), corpus, [0, 3], [model], bm25=False,
                                      **quiet)}
    paths = {}
    for key, report in written.items():
        split, _, system = key.rpartition("/")
        path = tmp_path / f"{system}_{split.replace('/', '_')}.json"
        path.write_text(json.dumps(report))
        paths.setdefault(split, {})[system] = str(path)
    reports, open_domain = read_reports(paths)
    assert list(reports["5/95"]["systems"]) == ["BM25", "tiny"]
    for name in ("BM25", "tiny"):
        plain = {k: v for k, v in reports["5/95"]["systems"][name].items()
                 if k not in ("seconds", "inputs")}
        at_zero = {k: v for k, v in reports["80/20"]["systems"][name].items()
                   if k not in ("seconds", "inputs")}
        assert plain == at_zero
    assert open_domain["split"] == "80/20" and sorted(open_domain["by_n"]) == [0, 3]
    assert open_domain["by_n"][3]["candidates"] == 8
    assert list(open_domain["by_n"][3]["systems"]) == ["BM25", "tiny"]
    table = open_domain_table(open_domain)
    assert "| 3 | 8 | tiny | " in table and "| 0 | 5 | BM25 | " in table


def test_an_unknown_variant_is_refused(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "trainer.experiments.ablation", "--input=x.bz2", "--squad=s.json",
         f"--output_dir={tmp_path}", "--variants=ICT,ELMo"], cwd=REPO, text=True,
        capture_output=True, timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("--variants: unknown ['ELMo']")


def test_the_eta_weighs_steps_by_their_expected_cost(tmp_path):
    """A MiniLM fine-tune is expected to take far longer than a tiny one, in proportion to its
    examples and the two models' speeds; the Runner's ETA is the cost left, scaled by how the
    finished steps compared with their expectation."""
    from trainer.experiments.ablation import (CHECKPOINT_EXAMPLES_PER_S, TINY_EXAMPLES_PER_S,
                                              Runner, expected_seconds)

    config = AblationConfig()
    steps, _ = plan(config, ["dump.xml.bz2"], "s.json", None, str(tmp_path))
    named = dict(steps)
    tiny = expected_seconds(named["fine-tune ICT on 80/20"])
    minilm = expected_seconds(named["fine-tune MiniLM zero-shot on 80/20"])
    assert tiny == config.finetune_steps * config.finetune_batch / TINY_EXAMPLES_PER_S
    assert minilm == (config.checkpoint_finetune_steps * config.finetune_batch
                      / CHECKPOINT_EXAMPLES_PER_S)
    assert expected_seconds(named["evaluate MiniLM zero-shot on 80/20"]) > expected_seconds(
        named["evaluate ICT on 80/20"]) > expected_seconds(named["evaluate BM25 on 80/20"])
    runner = Runner(str(tmp_path), steps)
    assert runner.eta() == pytest.approx(sum(expected_seconds(argv) for _, argv in steps))
    runner.left -= tiny
    runner.ran_expected, runner.ran_seconds = tiny, 2 * tiny  # this machine runs at half speed
    assert runner.eta() == pytest.approx(2 * runner.left)
