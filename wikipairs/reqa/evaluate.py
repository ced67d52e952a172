"""ReQA evaluation: one SQuAD-format file, BM25 and any number of exported two-tower models scored
on exactly the same candidates and questions, reported as one table (or JSON).

Every model sees the candidates framed the same way, `[CLS] sentence [SEP] paragraph [SEP]` with the
sentence cut at MAX_SENTENCE_TOKENS (wikipairs/reqa/candidates.py), whatever title cut its training shards
used: the ids are framed here and go through the document tower's `encode_ids`.

    python -m wikipairs.reqa.evaluate --squad dev-v1.1.json --model out/model [--model other]
    python -m wikipairs.reqa.evaluate --squad dev-v1.1.json --bm25_only   # no TensorFlow needed

Open-domain ReQA (the paper's section 4.4): N sentences of a corpus the pipeline wrote, each with
its passage as context, join every system's candidates after the real ones; one table per N, and
a plot of recall@k against N:

    python -m wikipairs.reqa.evaluate --squad dev-v1.1.json --model out/model \\
        --distractors out/demo --num_distractors 0,1000,10000 --plot open_domain.png
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import time
from typing import Callable, Sequence

import numpy as np

from pipeline.progress import LineProgress
from wikipairs.reqa.bm25 import BM25Config, BM25Scorer
from wikipairs.reqa.candidates import (CANDIDATE_FRAMING, MAX_SENTENCE_TOKENS, Candidate, ReqaSet,
                             build_reqa_set)
from wikipairs.reqa.distractors import Draw, corpus_files, draw_from_corpus, with_distractors
from trainer.ranking import KS, ScoreBlock, inner_product_blocks, metrics, rank_all
from wikipairs.reqa.squad import SquadFormatError, read_squad


@dataclasses.dataclass
class SystemResult:
    name: str
    metrics: dict[str, float]
    seconds: dict[str, float]  # 'index' (encode/index candidates) and 'query'
    inputs: dict = dataclasses.field(default_factory=dict)  # a model's lengths and what was cut
    ranks: np.ndarray | None = dataclasses.field(default=None, repr=False)  # per question


def evaluate_scorer(name: str, reqa_set: ReqaSet, score_block: ScoreBlock, index_seconds: float,
                    progress: Callable[[int], None] | None = None) -> SystemResult:
    started = time.perf_counter()
    ranks = rank_all(score_block, reqa_set.targets, len(reqa_set.candidates), progress=progress)
    return SystemResult(name, metrics(ranks),
                        {"index": index_seconds, "query": time.perf_counter() - started},
                        ranks=ranks)


def evaluate_bm25(reqa_set: ReqaSet, config: BM25Config = BM25Config()) -> SystemResult:
    started = time.perf_counter()
    scorer = BM25Scorer(reqa_set.candidates, config)
    indexed = time.perf_counter() - started
    return evaluate_scorer("BM25", reqa_set, lambda a, b: scorer.score_questions(
        reqa_set.questions[a:b]), indexed)


@dataclasses.dataclass
class Embedded:
    """A model's question and candidate embeddings (real candidates first, then the distractors)
    and what framing them cut; encoded once, scored against any prefix of the candidates."""
    queries: np.ndarray
    candidates: np.ndarray
    inputs: dict
    index_seconds: float
    query_seconds: float


def encode_candidates(name: str, encoders, candidates: list, batch_size: int, what: str):
    """(embeddings [len(candidates), dim], FramedCandidates): framed here (`frame_candidates`),
    through the document tower's `encode_ids`."""
    from wikipairs.reqa.candidates import frame_candidates

    framed = frame_candidates(candidates, encoders.tokenizer(), encoders.info["max_doc_len"])
    bar = LineProgress(f"{name}: encoding {what}", len(framed.ids))
    embeddings = encoders.encode_doc_ids(framed.ids, batch_size, progress=bar.update)
    bar.close()
    return embeddings, framed


def embed_model(name: str, model_dir: str, reqa_set: ReqaSet, batch_size: int = 128,
                distractors: Sequence = ()) -> Embedded:
    """Questions through the query tower's text signature; the real candidates, then the
    distractors in a call of their own, so the real candidates' embeddings (and their cut counts)
    are exactly those of plain ReQA."""
    from wikipairs.retrieval.encoders import Encoders

    encoders = Encoders.load(model_dir)
    started = time.perf_counter()
    real, framed = encode_candidates(name, encoders, reqa_set.candidates, batch_size, "candidates")
    inputs = {"max_query_len": encoders.info["max_query_len"],
              "max_doc_len": encoders.info["max_doc_len"],
              "sentences_cut": framed.sentences_cut, "paragraphs_cut": framed.paragraphs_cut}
    candidates = real
    if distractors:
        extra, framed = encode_candidates(name, encoders, list(distractors), batch_size,
                                          "distractors")
        candidates = np.concatenate([real, extra])
        inputs.update(distractor_sentences_cut=framed.sentences_cut,
                      distractor_paragraphs_cut=framed.paragraphs_cut)
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    queries = encoders.encode_queries(reqa_set.questions, batch_size)
    return Embedded(queries, candidates, inputs, indexed, time.perf_counter() - started)


def score_embedded(name: str, reqa_set: ReqaSet, embedded: Embedded) -> SystemResult:
    """Inner products against the first len(reqa_set.candidates) candidate embeddings."""
    result = evaluate_scorer(name, reqa_set, inner_product_blocks(
        embedded.queries, embedded.candidates[:len(reqa_set.candidates)]),
        embedded.index_seconds)
    result.seconds["query"] += embedded.query_seconds
    return result


def evaluate_model(name: str, model_dir: str, reqa_set: ReqaSet,
                   batch_size: int = 128) -> SystemResult:
    """Candidates framed here (`frame_candidates`) through the document tower's `encode_ids`,
    questions through the query tower's text signature; inner products."""
    embedded = embed_model(name, model_dir, reqa_set, batch_size)
    return dataclasses.replace(score_embedded(name, reqa_set, embedded), inputs=embedded.inputs)


def framing() -> dict:
    """How every model of the table sees its inputs (the report states it)."""
    return {"candidate": CANDIDATE_FRAMING, "max_sentence_tokens": MAX_SENTENCE_TOKENS,
            "paragraph": "cut to what is left of the model's max_doc_len",
            "question": "[CLS] question [SEP], cut to the model's max_query_len"}


MAX_LISTED_DROPPED_ANSWERS = 100


def load_reqa_set(squad: str, report: Callable[[str], None] = print) -> tuple[ReqaSet, list[str]]:
    """The ReQA set of a SQuAD file and the answers it dropped as impossible to locate (each with
    where and why; the first few are reported). A file that is not SQuAD, or leaves no question
    to evaluate, is a SquadFormatError: its message is the one line a user sees."""
    paragraphs = read_squad(squad)
    reqa_set = build_reqa_set(paragraphs)
    dropped = [note for p in paragraphs for q in p.questions for note in q.dropped]
    for note in dropped[:MAX_LISTED_DROPPED_ANSWERS]:
        report(f"answer dropped: {note}")
    if len(dropped) > MAX_LISTED_DROPPED_ANSWERS:
        report(f"... and {len(dropped) - MAX_LISTED_DROPPED_ANSWERS:,} more answers dropped")
    if not reqa_set.questions:
        raise SquadFormatError(
            f"{squad}: no question to evaluate ({sum(len(p.questions) for p in paragraphs):,} "
            f"questions in {len(paragraphs):,} paragraphs; {reqa_set.unanswerable:,} "
            f"unanswerable, {reqa_set.unlocated:,} with no answer inside a sentence)")
    return reqa_set, dropped


def set_summary(source: str, reqa_set: ReqaSet, dropped_answers: Sequence[str] = ()) -> dict:
    """What a report's numbers rest on: the questions kept and skipped, the real candidates, and
    the answers left out because they could not be located (the first few, with where)."""
    return {"squad": source, "questions": len(reqa_set.questions),
            "skipped_unanswerable": reqa_set.unanswerable,
            "skipped_unlocated": reqa_set.unlocated,
            "dropped_answers": len(dropped_answers),
            "dropped_answers_first": list(dropped_answers[:MAX_LISTED_DROPPED_ANSWERS]),
            "candidates": len(reqa_set.candidates), "model_framing": framing()}


def systems_dict(results: Sequence[SystemResult]) -> dict:
    return {r.name: {**r.metrics, "seconds": r.seconds,
                     **({"inputs": r.inputs} if r.inputs else {})} for r in results}


def report_dict(source: str, reqa_set: ReqaSet, results: Sequence[SystemResult],
                dropped_answers: Sequence[str] = ()) -> dict:
    return {**set_summary(source, reqa_set, dropped_answers), "systems": systems_dict(results)}


def summary_line(report: dict, title: str = "ReQA") -> str:
    return (f"{title} on {report['squad']}: {report['questions']:,} questions evaluated, "
            f"{report['skipped_unanswerable']:,} skipped as unanswerable"
            + (f", {report['skipped_unlocated']:,} with no answer inside a sentence"
               if report["skipped_unlocated"] else "")
            + (f" ({report['dropped_answers']:,} answer(s) dropped as impossible to locate)"
               if report.get("dropped_answers") else "")
            + f"; {report['candidates']:,} candidate sentences")


def metrics_table(systems: dict, ks: Sequence[int] = KS) -> list[str]:
    """A header and one row per system: recall@k and MRR."""
    lines = [f"{'system':<24}" + "".join(f"{'R@' + str(k):>8}" for k in ks) + f"{'MRR':>8}"]
    for name, m in systems.items():
        lines.append(f"{name:<24}" + "".join(f"{m[f'recall@{k}']:>8.3f}" for k in ks)
                     + f"{m['mrr']:>8.3f}")
    return lines


def format_report(report: dict, ks: Sequence[int] = KS) -> str:
    lines = [summary_line(report), *metrics_table(report["systems"], ks)]
    models = {name: m["inputs"] for name, m in report["systems"].items() if "inputs" in m}
    if models:
        lines += framing_lines(report["model_framing"], report["candidates"], models)
    return "\n".join(lines)


def framing_lines(framing: dict, candidates: int, models: dict[str, dict]) -> list[str]:
    """What the models saw: the one framing of the table, then what it cut for each model."""
    return [f"models see candidates as {framing['candidate']} (sentence cut at "
            f"{framing['max_sentence_tokens']} tokens, paragraph {framing['paragraph']}) and "
            f"questions as {framing['question']}",
            *(f"  {name}: {m['sentences_cut']:,} of {candidates:,} sentences cut, "
              f"{m['paragraphs_cut']:,} paragraphs cut (max_doc_len {m['max_doc_len']}, "
              f"max_query_len {m['max_query_len']})" for name, m in models.items())]


def model_label(spec: str) -> tuple[str, str]:
    """'name=DIR' -> (name, DIR); 'DIR' -> (DIR's last path element, or its parent's when it is
    an export dir, DIR)."""
    name, sep, path = spec.partition("=")
    if sep and name and "/" not in name:
        return name, path
    parts = [p for p in spec.rstrip("/").split("/") if p]
    label = parts[-2] if len(parts) > 1 and parts[-1] == "export" else (parts or [spec])[-1]
    return label, spec


def run(squad: str, models: Sequence[str] = (), bm25: bool = True,
        bm25_config: BM25Config = BM25Config(), batch_size: int = 128,
        report: Callable[[str], None] = print) -> dict:
    reqa_set, dropped = load_reqa_set(squad, report)
    report(f"{len(reqa_set.questions):,} questions, {len(reqa_set.candidates):,} candidates "
           f"from {squad}")
    results = [evaluate_bm25(reqa_set, bm25_config)] if bm25 else []
    for spec in models:
        name, path = model_label(spec)
        results.append(evaluate_model(name, path, reqa_set, batch_size))
    return report_dict(squad, reqa_set, results, dropped)


# --- open-domain ReQA: the candidates plus N distractor sentences of a corpus (section 4.4) -----

def evaluate_open_domain(reqa_set: ReqaSet, distractors: Sequence[Candidate],
                         counts: Sequence[int], models: Sequence[str] = (), bm25: bool = True,
                         bm25_config: BM25Config = BM25Config(), batch_size: int = 128
                         ) -> tuple[dict[int, list[SystemResult]], dict[str, dict]]:
    """({N: every system's result with the first N distractors}, {model: what framing cut}).

    BM25 indexes each N's candidates anew: its idf and average length are those of everything it
    ranks, as an open-domain index's would be; so, unlike a model's, its scores of the real
    candidates move with N and a question's rank can even improve (distractors holding a term
    that lifted a competitor lower that term's idf; 5 of the sample's 368 questions at N=10,000,
    30 worse). A model encodes the largest draw once and scores prefixes: its ranks can only
    fall."""
    sets = {n: with_distractors(reqa_set, list(distractors[:n])) for n in counts}
    results = {n: [evaluate_bm25(sets[n], bm25_config)] if bm25 else [] for n in counts}
    inputs = {}
    for spec in models:
        name, path = model_label(spec)
        embedded = embed_model(name, path, reqa_set, batch_size, distractors[:max(counts)])
        inputs[name] = embedded.inputs
        for n in counts:
            results[n].append(score_embedded(name, sets[n], embedded))
    return results, inputs


def open_domain_report(source: str, reqa_set: ReqaSet, corpus_dir: str, seed: int, drawn: Draw,
                       results: dict[int, list[SystemResult]], inputs: dict[str, dict],
                       dropped_answers: Sequence[str] = ()) -> dict:
    """The set's summary, how the distractors were drawn, and one entry per N with the number
    actually added (fewer than N when the corpus has no more eligible sentences)."""
    def entry(n: int, systems: list[SystemResult]) -> dict:
        added = min(n, len(drawn.candidates))
        return {"num_distractors": n, "added": added,
                "candidates": len(reqa_set.candidates) + added, "systems": systems_dict(systems)}

    return {**set_summary(source, reqa_set, dropped_answers),
            "distractors": {"corpus": corpus_dir, "seed": seed, "order": DRAW_ORDER,
                            "sentences_read": drawn.sentences_read,
                            "skipped_as_real": drawn.same_as_real,
                            "drawn": len(drawn.candidates)},
            "inputs": inputs,
            "by_n": [entry(n, systems) for n, systems in results.items()]}


DRAW_ORDER = ("ascending hash64(seed, sentence, passage) over the corpus's sentences; N "
              "distractors are the first N (wikipairs/reqa/distractors.py)")


def run_open_domain(squad: str, corpus_dir: str, counts: Sequence[int], models: Sequence[str] = (),
                    bm25: bool = True, bm25_config: BM25Config = BM25Config(),
                    batch_size: int = 128, seed: int = 0,
                    report: Callable[[str], None] = print) -> dict:
    counts = sorted(set(counts))
    reqa_set, dropped = load_reqa_set(squad, report)
    report(f"{len(reqa_set.questions):,} questions, {len(reqa_set.candidates):,} candidates "
           f"from {squad}; drawing up to {counts[-1]:,} distractors from {corpus_dir} "
           f"(seed {seed})")
    drawn = draw_from_corpus(corpus_dir, counts[-1], seed, reqa_set)
    report(f"{len(drawn.candidates):,} distractors drawn from {drawn.sentences_read:,} corpus "
           f"sentences ({drawn.same_as_real:,} skipped: a real candidate's sentence or paragraph)")
    results, inputs = evaluate_open_domain(reqa_set, drawn.candidates, counts, models, bm25,
                                           bm25_config, batch_size)
    return open_domain_report(squad, reqa_set, corpus_dir, seed, drawn, results, inputs, dropped)


def format_open_domain(report: dict, ks: Sequence[int] = KS) -> str:
    """One table per N, then what the models' framing cut (real candidates, distractors)."""
    drawn = report["distractors"]
    lines = [summary_line(report, "Open-domain ReQA"),
             f"distractors from {drawn['corpus']} (seed {drawn['seed']}): {drawn['drawn']:,} "
             f"drawn from {drawn['sentences_read']:,} corpus sentences, "
             f"{drawn['skipped_as_real']:,} skipped as a real candidate's sentence or "
             "paragraph"]
    for row in report["by_n"]:
        short = (f" (the corpus has no more eligible sentences)"
                 if row["added"] < row["num_distractors"] else "")
        lines += ["", f"N={row['num_distractors']:,}: {row['added']:,} distractors added{short}, "
                      f"{row['candidates']:,} candidates", *metrics_table(row["systems"], ks)]
    if report["inputs"]:
        lines += ["", *framing_lines(report["model_framing"], report["candidates"],
                                     report["inputs"])]
        lines += [f"  {name}: {m['distractor_sentences_cut']:,} of {drawn['drawn']:,} distractor "
                  f"sentences cut, {m['distractor_paragraphs_cut']:,} passages cut"
                  for name, m in report["inputs"].items() if "distractor_sentences_cut" in m]
    return "\n".join(lines)


def plot_open_domain(report: dict, path: str, ks: Sequence[int] = KS) -> None:
    """A panel per metric (recall@k for each k, MRR), each against the number of distractors
    added, one line per system; x is symlog so N=0 sits next to thousands."""
    from pipeline.optional import pyplot

    plt = pyplot("--plot")

    rows = report["by_n"]
    added = [row["added"] for row in rows]
    panels = [*(f"recall@{k}" for k in ks), "mrr"]
    columns = 3
    figure, axes = plt.subplots(-(-len(panels) // columns), columns, squeeze=False, sharey=True,
                                figsize=(4.5 * columns, 3.6 * -(-len(panels) // columns)))
    for axis, metric in zip(axes.flat, panels):
        for name in rows[0]["systems"]:
            axis.plot(added, [row["systems"][name][metric] for row in rows], marker="o",
                      label=name)
        axis.set_xscale("symlog", linthresh=min([a for a in added if a > 0] or [1]))
        axis.set_xticks(added, [f"{a:,}" for a in added], rotation=30, fontsize=8)
        axis.set(ylim=(0, 1.03), title=metric, xlabel="distractors added")
        axis.minorticks_off()
        axis.grid(alpha=0.3)
    for axis in axes.flat[len(panels):]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    figure.suptitle(f"Open-domain ReQA: {report['questions']:,} questions, "
                    f"{report['candidates']:,} real candidates + distractors")
    figure.tight_layout()
    figure.savefig(path, dpi=120)


def distractor_counts(text: str) -> list[int]:
    """'0,1000,10000' -> [0, 1000, 10000], sorted, each once (the type of --num_distractors)."""
    try:
        counts = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        counts = []
    if not counts or counts[0] < 0:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give counts >= 0 separated by commas, e.g. 0,1000,10000")
    return counts


def add_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The command's flags, on its own parser or on a `wikipairs reqa` subcommand."""
    parser.add_argument("--squad", required=True, help="SQuAD v1.1/v2.0 JSON (or NQ converted "
                        "with `python -m wikipairs.reqa.nq`)")
    parser.add_argument("--model", action="append", default=[], metavar="[NAME=]DIR",
                        help="a training run's model_dir or its export/, or hf:DIR (a Hugging "
                        "Face BERT-family folder, evaluated as it is); repeat to compare")
    parser.add_argument("--bm25_only", action="store_true", help="skip the models")
    parser.add_argument("--no_bm25", dest="bm25", action="store_false")
    parser.add_argument("--bm25_document", default=BM25Config.document,
                        choices=("sentence", "sentence_context"))
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--output", help="also write the JSON report to this file")
    domain = parser.add_argument_group(
        "open-domain ReQA", "add N sentences of a pipeline corpus, each with its passage, to the "
        "candidates of every system; one table per N (wikipairs/reqa/distractors.py says how they are "
        "drawn)")
    domain.add_argument("--distractors", metavar="CORPUS_DIR",
                        help="a corpus `python -m pipeline.run` wrote (its articles/ table)")
    domain.add_argument("--num_distractors", type=distractor_counts, metavar="N[,N2,...]",
                        help="how many distractors, e.g. 0,1000,10000 (each N holds the smaller)")
    domain.add_argument("--distractor_seed", type=int, default=0,
                        help="the draw order's seed")
    domain.add_argument("--plot", metavar="FILE", help="also draw recall@k and MRR against N "
                        "(PNG, or any format matplotlib writes)")
    return parser


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m wikipairs.reqa.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    from pipeline.flags import one_flag_style

    return one_flag_style(add_arguments(parser)).parse_args(argv)


def open_domain(args) -> bool:
    """Whether the flags ask for open-domain ReQA; exits naming a flag given without its partner
    or a corpus that is not one, before anything is encoded."""
    if args.distractors is None:
        for flag in ("num_distractors", "plot"):
            if getattr(args, flag) is not None:
                sys.exit(f"--{flag} needs --distractors CORPUS_DIR")
        return False
    if args.num_distractors is None:
        sys.exit("--distractors needs --num_distractors N[,N2,...]")
    try:
        corpus_files(args.distractors)
    except (FileNotFoundError, ValueError) as error:
        sys.exit(f"--distractors: {error}")
    return True


def main(argv=None) -> dict:
    return evaluate_command(parse_args(argv))


def evaluate_command(args: argparse.Namespace) -> dict:
    if not os.path.exists(args.squad) and "://" not in args.squad:
        sys.exit(f"--squad {args.squad}: no such file")
    models = [] if args.bm25_only else args.model
    if not models and not args.bm25:
        sys.exit("nothing to evaluate: give --model DIR, or keep BM25")
    say = (lambda line: print(line, file=sys.stderr, flush=True))
    config = BM25Config(document=args.bm25_document)
    try:
        if open_domain(args):
            report = run_open_domain(args.squad, args.distractors, args.num_distractors, models,
                                     args.bm25, config, args.batch_size, args.distractor_seed, say)
            text = format_open_domain(report)
            if args.plot:
                plot_open_domain(report, args.plot)
        else:
            report = run(args.squad, models, args.bm25, config, args.batch_size, say)
            text = format_report(report)
    except SquadFormatError as error:  # the file's problem, with where: one line, not a traceback
        sys.exit(str(error))
    print(json.dumps(report, indent=2) if args.json else text, flush=True)
    if args.output:
        os.makedirs(os.path.dirname(args.output) or ".", exist_ok=True)
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return report


if __name__ == "__main__":
    main()
