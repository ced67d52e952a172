"""The paper's pre-training ablation in one command: for one corpus and one SQuAD-format file,
pre-train a two-tower model with no pre-training, MLM, ICT, BFS, WLP and ICT+BFS+WLP, and take an
off-the-shelf encoder (all-MiniLM-L6-v2) as it ships and after continued pre-training on the
wiki's own ICT+BFS+WLP pairs; fine-tune each on the same ReQA split(s), evaluate all of them, the
checkpoint as shipped and BM25 on the same test questions and candidates, and write one markdown
table (recall@1/5/10/50/100, MRR), an open-domain table (corpus sentences as distractors) and a
plot.

    python -m trainer.experiments.ablation --input data/enwiki-sample-pages-articles.xml.bz2 \\
        --questions wikipairs/reqa/sample_qa.jsonl --output_dir out/ablation

`--squad FILE` takes any SQuAD-format file; `--questions` builds one from the pre-training corpus
and a question file (wikipairs/reqa/from_corpus.py), as for the bundled sample's hand-written questions.

Every step is a subprocess running the project's own commands (pipeline.run, trainer.task,
trainer.mlm, wikipairs.reqa.finetune_pairs, wikipairs.reqa.evaluate) with its log under output_dir/logs; a
finished step is skipped when the command is run again with the same flags, so an interrupted
ablation resumes and adding rows (`--variants`) runs only theirs.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

from pipeline.progress import format_duration
from schemas.pairs import REQA_SPLITS as SPLITS
from trainer.ranking import KS

MLM = "mlm"
ALL_TASKS = {"ict": 1.0, "bfs": 1.0, "wlp": 1.0}


@dataclasses.dataclass(frozen=True)
class Variant:
    """A row of the table: what pre-trains it before fine-tuning (task weights; MLM, the paper's
    token-level baseline, whose encoder then starts both towers; or nothing) and whether it starts
    from the off-the-shelf checkpoint (with that checkpoint's vocabulary) or from random weights."""

    pretrain: dict[str, float] | str | None = None
    from_checkpoint: bool = False


VARIANTS: dict[str, Variant] = {
    "no pre-training": Variant(),
    "MLM": Variant(MLM),
    "ICT": Variant({"ict": 1.0}),
    "BFS": Variant({"bfs": 1.0}),
    "WLP": Variant({"wlp": 1.0}),
    "ICT+BFS+WLP": Variant(ALL_TASKS),
    # "zero-shot": no training on the wiki's pairs before fine-tuning (as it ships).
    "MiniLM zero-shot": Variant(from_checkpoint=True),
    # Continued pre-training of the off-the-shelf encoder on the wiki's own pairs.
    "MiniLM + ICT+BFS+WLP": Variant(ALL_TASKS, from_checkpoint=True),
}
# The checkpoint itself, neither pre-trained further nor fine-tuned: evaluated beside the
# checkpoint rows whenever one of them runs.
AS_SHIPPED = "MiniLM as shipped (no training)"


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
    # The MiniLM rows: a 6-layer, 384-wide encoder trains about 6 examples/s on a 2-core CPU
    # (the tiny preset's model, hundreds), so they take fewer steps, at BERT's fine-tuning rate.
    checkpoint: str = "data/all-MiniLM-L6-v2"  # python -m trainer.checkpoints
    checkpoint_pretrain_steps: int = 100
    checkpoint_finetune_steps: int = 60
    checkpoint_learning_rate: float = 5e-5
    # Open-domain ReQA on one split (default: the last): this many corpus sentences join the
    # candidates (0: no open-domain table).
    distractors: int = 1000
    open_domain_split: str = ""
    # Pairs per article: more than the pipeline's defaults, since the sample is small.
    pipeline_flags: tuple[str, ...] = ("--ict_per_article=16", "--bfs_per_article=8",
                                       "--wlp_max_per_target=8", "--split_fractions=0.9,0.05,0.05")


def slug(name: str) -> str:
    return (name.lower().replace("+", "_").replace(" ", "_").replace("/", "_")
            .replace("(", "").replace(")", ""))


# A step's expected cost, in seconds of this 2-core CPU, for the ETA (measured in this ablation:
# the tiny model trains ~120 examples/s, MiniLM ~6; a tiny model encodes ReQA's 7,123 candidates
# in ~15 s, MiniLM in ~12 min; the pipeline on the sample ~30 s).
TINY_EXAMPLES_PER_S, CHECKPOINT_EXAMPLES_PER_S = 120.0, 6.0
TINY_EVALUATION_S, CHECKPOINT_EVALUATION_S, OTHER_STEP_S = 25.0, 720.0, 20.0


def expected_seconds(argv: list[str]) -> float:
    """How long a step should take, from its own flags (for an ETA weighted by cost)."""
    sets = dict(arg.removeprefix("--set=").split("=", 1) for arg in argv
                if arg.startswith("--set=train."))
    checkpoint = any("hf:" in arg or "minilm" in arg.lower() for arg in argv)
    if argv[0] in ("trainer.task", "trainer.mlm"):
        steps = float(sets.get("train.steps", 300))
        batch = float(sets.get("train.global_batch_size", 32))
        return steps * batch / (CHECKPOINT_EXAMPLES_PER_S if checkpoint else TINY_EXAMPLES_PER_S)
    if argv[0] == "wikipairs.reqa.evaluate" and "--bm25_only" not in argv:
        return CHECKPOINT_EVALUATION_S if checkpoint else TINY_EVALUATION_S
    return OTHER_STEP_S


class Runner:
    """Runs steps as subprocesses, one log per step, skipping a step whose marker records the same
    command (so an interrupted ablation resumes, and a step whose flags changed runs again). Says
    which step runs and where its log is before it starts; the ETA weighs the steps left by
    their expected cost, scaled by how the finished ones compared with theirs."""

    def __init__(self, output_dir: str, steps: list[tuple[str, list[str]]]):
        self.output_dir, self.total, self.done = output_dir, len(steps), 0
        self.expected = {name: expected_seconds(argv) for name, argv in steps}
        self.left = sum(self.expected.values())
        self.ran_expected = self.ran_seconds = 0.0
        self.started = time.monotonic()
        os.makedirs(os.path.join(output_dir, "logs"), exist_ok=True)

    def eta(self) -> float:
        scale = self.ran_seconds / self.ran_expected if self.ran_expected else 1.0
        return self.left * scale

    def run(self, name: str, argv: list[str]) -> None:
        marker = os.path.join(self.output_dir, "logs", f"{slug(name)}.done")
        self.done += 1
        self.left -= self.expected[name]
        command = json.dumps(argv)
        if os.path.exists(marker) and open(marker).read() == command:
            print(f"[{self.done}/{self.total}] {name}: done earlier, skipped", flush=True)
            return
        log_path = os.path.join(self.output_dir, "logs", f"{slug(name)}.log")
        print(f"[{self.done}/{self.total}] {name}: running (expected "
              f"{format_duration(self.expected[name])}; log: {log_path})", flush=True)
        step_start = time.monotonic()
        env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
        with open(log_path, "w") as log:
            code = subprocess.call([sys.executable, "-m", *argv], stdout=log,
                                   stderr=subprocess.STDOUT, env=env)
        if code:
            sys.exit(f"{name} failed (exit {code}); see {log_path}")
        with open(marker, "w") as handle:  # the command it ran: a changed command runs again
            handle.write(command)
        took = time.monotonic() - step_start
        self.ran_seconds += took
        self.ran_expected += self.expected[name]
        print(f"[{self.done}/{self.total}] {name}: done in {format_duration(took)} (elapsed "
              f"{format_duration(time.monotonic() - self.started)}, ETA "
              f"{format_duration(self.eta())})", flush=True)


def plan(config: AblationConfig, inputs: list[str], squad: str | None, questions: str | None,
         out: str):
    """The steps as (name, argv) in order, and per split the evaluation reports they write
    ({system: report path}: one evaluation per system, so adding rows re-runs only theirs)."""
    variants = {name: VARIANTS[name] for name in config.variants}
    with_checkpoint = any(v.from_checkpoint for v in variants.values())
    data = {False: os.path.join(out, "pretraining")}
    steps = []

    def pipeline(name: str, output_dir: str, vocab: list[str]):
        steps.append((name, ["pipeline.run", *(f"--input={i}" for i in inputs),
                             f"--output_dir={output_dir}", *vocab, f"--seed={config.seed}",
                             *config.pipeline_flags]))

    pipeline("pipeline", data[False], [f"--vocab_size={config.vocab_size}"])
    if with_checkpoint:  # the same pairs, tokenized with the checkpoint's vocabulary
        data[True] = os.path.join(out, "pretraining_checkpoint")
        pipeline("pipeline (checkpoint vocab)", data[True],
                 [f"--vocab={config.checkpoint}/vocab.txt"])
    if questions:
        squad = os.path.join(out, "squad_from_corpus.json")
        steps.append(("SQuAD from corpus", ["wikipairs.reqa.from_corpus", f"--corpus={data[False]}",
                                            f"--questions={questions}", f"--output={squad}"]))

    def model_flags(variant: Variant, steps_: int) -> list[str]:
        """The model and step count: a checkpoint row takes its model from the checkpoint."""
        model = (["--set=model.output_dim=0"] if variant.from_checkpoint
                 else [f"--set=model.vocab_size={config.vocab_size}"])
        return [*model, f"--set=train.steps={steps_}"]

    checkpoint_rate = [f"--set=train.learning_rate={config.checkpoint_learning_rate}"]
    for name, variant in variants.items():
        if variant.pretrain is None:
            continue
        start = [f"--init_checkpoint=hf:{config.checkpoint}"] if variant.from_checkpoint else []
        command = (["trainer.mlm"] if variant.pretrain == MLM else
                   ["trainer.task", "--no_export",
                    f"--set=data.task_weights={json.dumps(variant.pretrain)}"])
        pretrain_steps = (config.checkpoint_pretrain_steps if variant.from_checkpoint
                          else config.pretrain_steps)
        steps.append((f"pre-train {name}", [
            *command, f"--config={config.preset}", f"--model_dir={out}/models/{slug(name)}",
            f"--train_data={data[variant.from_checkpoint]}/pairs/train", *start,
            *model_flags(variant, pretrain_steps), *(checkpoint_rate if variant.from_checkpoint
                                                     else []), f"--set=train.seed={config.seed}"]))

    open_split = config.open_domain_split or config.splits[-1]
    reports = {}
    for split in config.splits:
        reqa_dir = {False: os.path.join(out, f"reqa_{slug(split)}")}
        if with_checkpoint:
            reqa_dir[True] = os.path.join(out, f"reqa_{slug(split)}_checkpoint")
        for uses_checkpoint, directory in reqa_dir.items():
            suffix = " (checkpoint vocab)" if uses_checkpoint else ""
            steps.append((f"ReQA pairs {split}{suffix}", [
                "wikipairs.reqa.finetune_pairs", f"--squad={squad}",
                f"--vocab={data[uses_checkpoint]}/pairs",
                f"--split={split}", f"--seed={config.seed}", f"--output_dir={directory}"]))
        systems = {"BM25": "--bm25_only"}
        for name, variant in variants.items():
            model_dir = f"{reqa_dir[False]}/models/{slug(name)}"
            if variant.pretrain is not None:
                init = [f"--init_checkpoint={out}/models/{slug(name)}"]
            else:
                init = ([f"--init_checkpoint=hf:{config.checkpoint}"] if variant.from_checkpoint
                        else [])
            finetune_steps, rate = ((config.checkpoint_finetune_steps,
                                     config.checkpoint_learning_rate) if variant.from_checkpoint
                                    else (config.finetune_steps, config.finetune_learning_rate))
            steps.append((f"fine-tune {name} on {split}", [
                "trainer.task", f"--config={config.preset}", f"--model_dir={model_dir}",
                f"--train_data={reqa_dir[variant.from_checkpoint]}/pairs/train", *init,
                *model_flags(variant, finetune_steps),
                f"--set=train.global_batch_size={config.finetune_batch}",
                f"--set=train.learning_rate={rate}", f"--set=train.seed={config.seed}"]))
            systems[name] = f"--model={name}={model_dir}"
        if with_checkpoint:
            systems[AS_SHIPPED] = f"--model={AS_SHIPPED}=hf:{config.checkpoint}"
        # Every system is evaluated on the same test questions and candidates: the question split
        # depends only on the seed, so both vocabularies' ReQA directories hold the same one.
        open_domain = (split == open_split and config.distractors > 0)
        distractors = ([f"--distractors={data[False]}",
                        f"--num_distractors=0,{config.distractors}"] if open_domain else [])
        reports[split] = {}
        for name, system in systems.items():
            report = os.path.join(reqa_dir[False], "reports", f"{slug(name)}.json")
            steps.append((f"evaluate {name} on {split}", [
                "wikipairs.reqa.evaluate", f"--squad={reqa_dir[False]}/squad_test.json",
                *([system] if system == "--bm25_only" else ["--no_bm25", system]),
                *distractors, f"--output={report}"]))
            reports[split][name] = report
    return steps, reports


def read_reports(paths: dict[str, dict[str, str]]) -> tuple[dict[str, dict], dict | None]:
    """The per-system reports merged into one per split ({split: report with every system}), and
    the open-domain one ({N: {system: metrics}}, with the counts) if a split ran it."""
    reports, open_domain = {}, None
    for split, by_system in paths.items():
        merged = {}
        for path in by_system.values():
            with open(path) as handle:
                report = json.load(handle)
            if "by_n" in report:  # an open-domain report: its N=0 entry is plain ReQA
                open_domain = open_domain or {"split": split, "questions": report["questions"],
                                              "by_n": {}}
                for row in report["by_n"]:
                    entry = open_domain["by_n"].setdefault(
                        row["num_distractors"], {"added": row["added"],
                                                 "candidates": row["candidates"], "systems": {}})
                    entry["systems"].update(row["systems"])
                report = {**report, "systems": report["by_n"][0]["systems"]}
            merged.setdefault("questions", report["questions"])
            merged.setdefault("candidates", report["candidates"])
            merged.setdefault("systems", {}).update(report["systems"])
        reports[split] = merged
    return reports, open_domain


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


def open_domain_table(open_domain: dict, ks=(1, 10, 100)) -> str:
    """One row per (N, system) of the open-domain split: recall@k and MRR as distractors join."""
    lines = [f"Open-domain ReQA, split {open_domain['split']} ({open_domain['questions']:,} test "
             "questions): N corpus sentences join the candidates", "",
             "| N | candidates | system | " + " | ".join(f"R@{k}" for k in ks) + " | MRR |",
             "|---:|---:|---|" + "---:|" * (len(ks) + 1)]
    for n, row in sorted(open_domain["by_n"].items()):
        for name, m in row["systems"].items():
            lines.append(f"| {row['added']:,} | {row['candidates']:,} | {name} | "
                         + " | ".join(f"{m[f'recall@{k}']:.3f}" for k in ks)
                         + f" | {m['mrr']:.3f} |")
    return "\n".join(lines) + "\n"


def plot(reports: dict[str, dict], path: str, ks=KS) -> None:
    """Recall@k against k, one panel per split, one line per system."""
    from pipeline.optional import pyplot

    plt = pyplot("the ablation's plot")

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
    source.add_argument("--questions", help="a question file for wikipairs.reqa.from_corpus (e.g. "
                        "wikipairs/reqa/sample_qa.jsonl), resolved against the pre-training corpus")
    parser.add_argument("--output_dir", required=True)
    parser.add_argument("--splits", default="80/20",
                        help=f"comma-separated, of {', '.join(SPLITS)}")
    parser.add_argument("--variants", default=",".join(VARIANTS),
                        help=f"comma-separated, of: {', '.join(VARIANTS)} (default: all; BM25 "
                        f"is always there, and '{AS_SHIPPED}' beside any MiniLM row)")
    defaults = AblationConfig()
    helps = {"checkpoint": "the Hugging Face folder of the MiniLM rows "
                           "(python -m trainer.checkpoints fetches it)",
             "distractors": "open-domain ReQA: corpus sentences added on one split (0: none)",
             "open_domain_split": "the split of the open-domain table (default: the last)"}
    for field in ("preset", "vocab_size", "pretrain_steps", "finetune_steps", "finetune_batch",
                  "finetune_learning_rate", "seed", "checkpoint", "checkpoint_pretrain_steps",
                  "checkpoint_finetune_steps", "checkpoint_learning_rate", "distractors",
                  "open_domain_split"):
        value = getattr(defaults, field)
        parser.add_argument(f"--{field}", type=type(value), default=value, help=helps.get(field))
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


def _names(given: str, known, flag: str) -> tuple[str, ...]:
    """A comma-separated flag's names, each known (else a one-line refusal)."""
    names = tuple(name.strip() for name in given.split(",") if name.strip())
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        sys.exit(f"{flag}: unknown {unknown} (known: {', '.join(known)})")
    return names


def config_from_args(args) -> AblationConfig:
    fields = {field.name for field in dataclasses.fields(AblationConfig)} - {
        "splits", "variants", "pipeline_flags"}
    config = AblationConfig(splits=_names(args.splits, SPLITS, "--splits"),
                            variants=_names(args.variants, VARIANTS, "--variants"),
                            **{field: getattr(args, field) for field in fields})
    if config.open_domain_split and config.open_domain_split not in config.splits:
        sys.exit(f"--open_domain_split {config.open_domain_split}: not one of --splits "
                 f"{','.join(config.splits)}")
    if (any(VARIANTS[v].from_checkpoint for v in config.variants)
            and not os.path.exists(os.path.join(config.checkpoint, "config.json"))):
        sys.exit(f"--checkpoint {config.checkpoint}: no Hugging Face model folder there (the "
                 "MiniLM rows need one: python -m trainer.checkpoints fetches all-MiniLM-L6-v2)")
    return config


def main(argv=None) -> dict:
    args = parse_args(argv)
    config = config_from_args(args)
    for given, what in ((args.squad, "--squad"), (args.questions, "--questions")):
        if given and given != "sample" and not os.path.exists(given):
            sys.exit(f"{what} {given}: no such file")
    steps, report_paths = plan(config, args.input, args.squad, args.questions, args.output_dir)
    runner = Runner(args.output_dir, steps)
    for name, argv_ in steps:
        runner.run(name, argv_)
    reports, open_domain = read_reports(report_paths)
    table = markdown_table(reports)
    if open_domain:
        table += "\n" + open_domain_table(open_domain)
    with open(os.path.join(args.output_dir, "ablation.md"), "w") as handle:
        handle.write(table)
    plot(reports, os.path.join(args.output_dir, "ablation.png"))
    took = format_duration(time.monotonic() - runner.started)
    print(f"\n{table}\nwritten: {args.output_dir}/ablation.md, {args.output_dir}/ablation.png "
          f"({took})", flush=True)
    return reports


if __name__ == "__main__":
    main()
