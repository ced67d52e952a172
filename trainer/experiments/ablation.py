"""The paper's pre-training ablation in one command: for one corpus and one SQuAD-format file,
pre-train a two-tower model with no pre-training, ICT, BFS, WLP and ICT+BFS+WLP, fine-tune each on
the same ReQA split(s), evaluate all of them and BM25 on the same test questions and candidates,
and write one markdown table (recall@1/5/10/50/100, MRR) and a plot.

    python -m trainer.experiments.ablation --input data/enwiki-sample-pages-articles.xml.bz2 \\
        --questions bench/data/sample_qa.jsonl --output_dir out/ablation

`--squad FILE` takes any SQuAD-format file; `--questions` builds one from the pre-training corpus
and a question file (reqa/from_corpus.py), as for the bundled sample's hand-written questions.

Every step is a subprocess running the project's own commands (pipeline.run, trainer.task,
reqa.finetune_pairs, trainer.evaluate reqa) with its log under output_dir/logs; finished steps
are skipped when the command is run again, so an interrupted ablation resumes.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

from reqa.finetune_pairs import SPLITS
from reqa.ranking import KS

# Variant name -> the pre-training tasks' weights (None: no pre-training, fine-tuning from
# randomly initialised weights; MLM: the paper's token-level baseline, trainer.mlm on the pairs'
# documents, whose encoder then starts both towers).
MLM = "mlm"
VARIANTS: dict[str, dict[str, float] | str | None] = {
    "no pre-training": None,
    "MLM": MLM,
    "ICT": {"ict": 1.0},
    "BFS": {"bfs": 1.0},
    "WLP": {"wlp": 1.0},
    "ICT+BFS+WLP": {"ict": 1.0, "bfs": 1.0, "wlp": 1.0},
}


@dataclasses.dataclass(frozen=True)
class AblationConfig:
    preset: str = "tiny"
    vocab_size: int = 2000  # learned from the corpus
    pretrain_steps: int = 1000
    finetune_steps: int = 300
    finetune_batch: int = 32
    finetune_learning_rate: float = 2e-4
    splits: tuple[str, ...] = ("80/20",)
    seed: int = 0
    variants: tuple[str, ...] = tuple(VARIANTS)  # which rows to run (BM25 is always there)
    # Pairs per article: more than the pipeline's defaults, since the sample is small.
    pipeline_flags: tuple[str, ...] = ("--ict_per_article=16", "--bfs_per_article=8",
                                       "--wlp_max_per_target=8", "--split_fractions=0.9,0.05,0.05")


def slug(name: str) -> str:
    return name.lower().replace("+", "_").replace(" ", "_").replace("/", "_")


class Runner:
    """Runs steps as subprocesses, one log per step, skipping steps whose marker exists."""

    def __init__(self, output_dir: str, total_steps: int):
        self.output_dir, self.total, self.done = output_dir, total_steps, 0
        self.started = time.monotonic()
        os.makedirs(os.path.join(output_dir, "logs"), exist_ok=True)

    def run(self, name: str, argv: list[str]) -> None:
        marker = os.path.join(self.output_dir, "logs", f"{slug(name)}.done")
        self.done += 1
        if os.path.exists(marker):
            print(f"[{self.done}/{self.total}] {name}: done earlier, skipped", flush=True)
            return
        log_path = os.path.join(self.output_dir, "logs", f"{slug(name)}.log")
        step_start = time.monotonic()
        env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        with open(log_path, "w") as log:
            code = subprocess.call([sys.executable, "-m", *argv], stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
        if code:
            sys.exit(f"{name} failed (exit {code}); see {log_path}")
        open(marker, "w").close()
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done)
        print(f"[{self.done}/{self.total}] {name}: {time.monotonic() - step_start:.0f}s "
              f"(elapsed {elapsed / 60:.1f} min, ETA {eta / 60:.1f} min)", flush=True)


def plan(config: AblationConfig, inputs: list[str], squad: str | None, questions: str | None,
         out: str):
    """The steps as (name, argv) in order; the evaluation reports they write, per split."""
    data = os.path.join(out, "pretraining")
    steps = [("pipeline", ["pipeline.run", *(f"--input={i}" for i in inputs),
                           f"--output_dir={data}", f"--vocab_size={config.vocab_size}",
                           f"--seed={config.seed}", *config.pipeline_flags])]
    if questions:
        squad = os.path.join(out, "squad_from_corpus.json")
        steps.append(("SQuAD from corpus", ["reqa.from_corpus", f"--corpus={data}",
                                            f"--questions={questions}", f"--output={squad}"]))
    variants = {name: VARIANTS[name] for name in config.variants}
    for name, weights in variants.items():
        if weights is None:
            continue
        command = ["trainer.mlm"] if weights == MLM else ["trainer.task", "--no_export",
                                                          f"--set=data.task_weights={json.dumps(weights)}"]
        steps.append((f"pre-train {name}", [
            *command, f"--config={config.preset}", f"--model_dir={out}/models/{slug(name)}",
            f"--train_data={data}/pairs/train", f"--set=model.vocab_size={config.vocab_size}",
            f"--set=train.steps={config.pretrain_steps}", f"--set=train.seed={config.seed}"]))
    reports = {}
    for split in config.splits:
        reqa_dir = os.path.join(out, f"reqa_{slug(split)}")
        steps.append((f"ReQA pairs {split}", [
            "reqa.finetune_pairs", f"--squad={squad}", f"--vocab={data}/pairs",
            f"--split={split}", f"--seed={config.seed}", f"--output_dir={reqa_dir}"]))
        models = []
        for name, weights in variants.items():
            model_dir = f"{reqa_dir}/models/{slug(name)}"
            init = [] if weights is None else [f"--init_checkpoint={out}/models/{slug(name)}"]
            steps.append((f"fine-tune {name} on {split}", [
                "trainer.task", f"--config={config.preset}", f"--model_dir={model_dir}",
                f"--train_data={reqa_dir}/pairs/train", *init,
                f"--set=model.vocab_size={config.vocab_size}",
                f"--set=train.steps={config.finetune_steps}",
                f"--set=train.global_batch_size={config.finetune_batch}",
                f"--set=train.learning_rate={config.finetune_learning_rate}",
                f"--set=train.seed={config.seed}"]))
            models.append(f"{name}={model_dir}")
        report = os.path.join(reqa_dir, "reqa_test.json")
        steps.append((f"evaluate {split}", [
            "trainer.evaluate", "reqa", f"--squad={reqa_dir}/squad_test.json",
            *(f"--model={m}" for m in models), f"--output={report}"]))
        reports[split] = report
    return steps, reports


def markdown_table(reports: dict[str, dict], ks=KS) -> str:
    """One row per (split, system): recall@k and MRR, with the counts the numbers rest on."""
    lines = ["| split (train/test) | system | " + " | ".join(f"R@{k}" for k in ks) + " | MRR |",
             "|---|---|" + "---:|" * (len(ks) + 1)]
    for split, report in reports.items():
        for name, m in report["systems"].items():
            lines.append(f"| {split} | {name} | "
                         + " | ".join(f"{m[f'recall@{k}']:.3f}" for k in ks)
                         + f" | {m['mrr']:.3f} |")
    notes = [f"{split}: {r['questions']:,} test questions, {r['candidates']:,} candidate sentences"
             for split, r in reports.items()]
    return "\n".join(lines) + "\n\n" + "; ".join(notes) + "\n"


def plot(reports: dict[str, dict], path: str, ks=KS) -> None:
    """Recall@k against k, one panel per split, one line per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(reports), figsize=(6 * len(reports), 4.5), squeeze=False)
    for axis, (split, report) in zip(axes[0], reports.items()):
        for name, m in report["systems"].items():
            axis.plot(ks, [m[f"recall@{k}"] for k in ks], marker="o", label=name)
        axis.set(xscale="log", xticks=list(ks), xticklabels=[str(k) for k in ks], ylim=(0, 1),
                 xlabel="k", ylabel="recall@k",
                 title=f"ReQA {split} ({report['questions']} questions)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m trainer.experiments.ablation",
                                     description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", action="append", required=True, help="dump file(s) or globs")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--squad", help="SQuAD-format file to fine-tune and test on")
    source.add_argument("--questions", help="a question file for reqa.from_corpus (e.g. "
                        "bench/data/sample_qa.jsonl), resolved against the pre-training corpus")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--splits", default="80/20",
                        help=f"comma-separated, of {', '.join(SPLITS)}")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)} (default: all)")
    defaults = AblationConfig()
    for field in ("preset", "vocab_size", "pretrain_steps", "finetune_steps", "finetune_batch",
                  "finetune_learning_rate", "seed"):
        value = getattr(defaults, field)
        parser.add_argument(f"--{field}", type=type(value), default=value)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    splits = tuple(s.strip() for s in args.splits.split(","))
    unknown = [s for s in splits if s not in SPLITS]
    if unknown:
        sys.exit(f"--splits: unknown {unknown} (known: {', '.join(SPLITS)})")
    variants = tuple(v.strip() for v in args.variants.split(",") if v.strip())
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown or not variants:
        sys.exit(f"--variants: unknown {unknown} (known: {', '.join(VARIANTS)})")
    for given, what in ((args.squad, "--squad"), (args.questions, "--questions")):
        if given and not os.path.exists(given):
            sys.exit(f"{what} {given}: no such file")
    config = AblationConfig(args.preset, args.vocab_size, args.pretrain_steps,
                            args.finetune_steps, args.finetune_batch,
                            args.finetune_learning_rate, splits, args.seed, variants)
    steps, report_paths = plan(config, args.input, args.squad, args.questions, args.output_dir)
    runner = Runner(args.output_dir, len(steps))
    for name, argv_ in steps:
        runner.run(name, argv_)
    reports = {}
    for split, path in report_paths.items():
        with open(path) as handle:
            reports[split] = json.load(handle)
    table = markdown_table(reports)
    with open(os.path.join(args.output_dir, "ablation.md"), "w") as handle:
        handle.write(table)
    plot(reports, os.path.join(args.output_dir, "ablation.png"))
    minutes = (time.monotonic() - runner.started) / 60
    print(f"\n{table}\nwritten: {args.output_dir}/ablation.md, {args.output_dir}/ablation.png "
          f"({minutes:.1f} min)", flush=True)
    return reports


if __name__ == "__main__":
    main()
