"""ReQA evaluation: one SQuAD-format file, BM25 and any number of exported two-tower models scored
on exactly the same candidates and questions, reported as one table (or JSON).

Every model sees the candidates framed the same way, `[CLS] sentence [SEP] paragraph [SEP]` with the
sentence cut at MAX_SENTENCE_TOKENS (reqa/candidates.py), whatever title cut its training shards
used: the ids are framed here and go through the document tower's `encode_ids`.

    python -m trainer.evaluate reqa --squad dev-v1.1.json --model out/model [--model other]
    python -m trainer.evaluate reqa --squad dev-v1.1.json --bm25_only   # no TensorFlow needed
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

from cli.progress import LineProgress
from reqa.bm25 import BM25Config, BM25Scorer
from reqa.candidates import CANDIDATE_FRAMING, MAX_SENTENCE_TOKENS, ReqaSet, build_reqa_set
from reqa.ranking import KS, ScoreBlock, inner_product_blocks, metrics, rank_all
from reqa.squad import read_squad


@dataclasses.dataclass
class SystemResult:
    name: str
    metrics: dict[str, float]
    seconds: dict[str, float]  # 'index' (encode/index candidates) and 'query'
    inputs: dict = dataclasses.field(default_factory=dict)  # a model's lengths and what was cut


def evaluate_scorer(name: str, reqa_set: ReqaSet, score_block: ScoreBlock, index_seconds: float,
                    progress: Callable[[int], None] | None = None) -> SystemResult:
    started = time.perf_counter()
    ranks = rank_all(score_block, reqa_set.targets, len(reqa_set.candidates), progress=progress)
    return SystemResult(name, metrics(ranks),
                        {"index": index_seconds, "query": time.perf_counter() - started})


def evaluate_bm25(reqa_set: ReqaSet, config: BM25Config = BM25Config()) -> SystemResult:
    started = time.perf_counter()
    scorer = BM25Scorer(reqa_set.candidates, config)
    indexed = time.perf_counter() - started
    return evaluate_scorer("BM25", reqa_set, lambda a, b: scorer.score_questions(
        reqa_set.questions[a:b]), indexed)


def evaluate_model(name: str, model_dir: str, reqa_set: ReqaSet,
                   batch_size: int = 128) -> SystemResult:
    """Candidates framed here (`frame_candidates`) through the document tower's `encode_ids`,
    questions through the query tower's text signature; inner products."""
    from reqa.candidates import frame_candidates
    from retrieval.encoders import Encoders

    encoders = Encoders.load(model_dir)
    started = time.perf_counter()
    framed = frame_candidates(reqa_set.candidates, encoders.tokenizer(),
                              encoders.info["max_doc_len"])
    bar = LineProgress(f"{name}: encoding candidates", len(framed.ids))
    doc_embeddings = encoders.encode_doc_ids(framed.ids, batch_size, progress=bar.update)
    bar.close()
    indexed = time.perf_counter() - started
    started = time.perf_counter()
    query_embeddings = encoders.encode_queries(reqa_set.questions, batch_size)
    result = evaluate_scorer(name, reqa_set, inner_product_blocks(query_embeddings, doc_embeddings),
                             indexed)
    result.seconds["query"] += time.perf_counter() - started
    result.inputs = {"max_query_len": encoders.info["max_query_len"],
                     "max_doc_len": encoders.info["max_doc_len"],
                     "sentences_cut": framed.sentences_cut,
                     "paragraphs_cut": framed.paragraphs_cut}
    return result


def framing() -> dict:
    """How every model of the table sees its inputs (the report states it)."""
    return {"candidate": CANDIDATE_FRAMING, "max_sentence_tokens": MAX_SENTENCE_TOKENS,
            "paragraph": "cut to what is left of the model's max_doc_len",
            "question": "[CLS] question [SEP], cut to the model's max_query_len"}


def report_dict(source: str, reqa_set: ReqaSet, results: Sequence[SystemResult]) -> dict:
    return {"squad": source, "questions": len(reqa_set.questions),
            "skipped_unanswerable": reqa_set.unanswerable,
            "skipped_unlocated": reqa_set.unlocated,
            "candidates": len(reqa_set.candidates), "model_framing": framing(),
            "systems": {r.name: {**r.metrics, "seconds": r.seconds,
                                 **({"inputs": r.inputs} if r.inputs else {})}
                        for r in results}}


def format_report(report: dict, ks: Sequence[int] = KS) -> str:
    lines = [f"ReQA on {report['squad']}: {report['questions']:,} questions evaluated, "
             f"{report['skipped_unanswerable']:,} skipped as unanswerable"
             + (f", {report['skipped_unlocated']:,} with no answer inside a sentence"
                if report["skipped_unlocated"] else "")
             + f"; {report['candidates']:,} candidate sentences",
             f"{'system':<24}" + "".join(f"{'R@' + str(k):>8}" for k in ks) + f"{'MRR':>8}"]
    for name, m in report["systems"].items():
        lines.append(f"{name:<24}" + "".join(f"{m[f'recall@{k}']:>8.3f}" for k in ks)
                     + f"{m['mrr']:>8.3f}")
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
    reqa_set = build_reqa_set(read_squad(squad))
    report(f"{len(reqa_set.questions):,} questions, {len(reqa_set.candidates):,} candidates "
           f"from {squad}")
    results = [evaluate_bm25(reqa_set, bm25_config)] if bm25 else []
    for spec in models:
        name, path = model_label(spec)
        results.append(evaluate_model(name, path, reqa_set, batch_size))
    return report_dict(squad, reqa_set, results)


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "reqa", help="answer-sentence retrieval on SQuAD-format data, against BM25",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", required=True, help="SQuAD v1.1/v2.0 JSON (or NQ converted "
                        "with `python -m reqa.nq`)")
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
    parser.set_defaults(run=main)


def main(args) -> dict:
    if not os.path.exists(args.squad) and "://" not in args.squad:
        sys.exit(f"--squad {args.squad}: no such file")
    models = [] if args.bm25_only else args.model
    if not models and not args.bm25:
        sys.exit("nothing to evaluate: give --model DIR, or keep BM25")
    say = (lambda line: print(line, file=sys.stderr, flush=True))
    report = run(args.squad, models, args.bm25, BM25Config(document=args.bm25_document),
                 args.batch_size, say)
    print(json.dumps(report, indent=2) if args.json else format_report(report), flush=True)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return report
