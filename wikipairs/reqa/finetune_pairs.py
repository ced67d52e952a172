"""ReQA fine-tuning pairs: a SQuAD-format file -> pair shards in the schema of `schemas/pairs.py`
(task `reqa`; query = question, document = `[CLS] answer sentence [SEP] its paragraph [SEP]`),
split by question as Chang et al. 2020 do: 1%/99%, 5%/95% or 80%/20% train/test, 10% of train held
out for validation. The split is a seeded hash of the question id, so it does not depend on the
order of the file. Next to the shards, `squad_{train,valid,test}.json` keep every paragraph (the
candidate set stays whole) with only that split's questions, for `python -m wikipairs.reqa.evaluate`.

    python -m wikipairs.reqa.finetune_pairs --squad train-v1.1.json --vocab out/model \\
        --split 5/95 --output_dir out/reqa_5
"""
from __future__ import annotations

import argparse
import dataclasses
import posixpath
import sys

from wikipairs.reqa.candidates import (MAX_SENTENCE_TOKENS, build_reqa_set, frame_candidate,
                             tokenize_candidates)
from pipeline.splits import hash64
from schemas.pairs import REQA_SPLITS
from wikipairs.reqa.squad import Paragraph, read_squad, write_squad

VALID_SHARE_OF_TRAIN = 0.1
RECORDS_PER_SHARD = 50_000


@dataclasses.dataclass(frozen=True)
class FinetuneConfig:
    train_fraction: float = 0.05
    valid_share_of_train: float = VALID_SHARE_OF_TRAIN
    seed: int = 0
    max_query_len: int = 64
    max_doc_len: int = 288
    # The sentence takes the title's place in the document framing, cut as ReQA evaluation cuts it.
    max_sentence_tokens: int = MAX_SENTENCE_TOKENS


def question_order(question_id: str, seed: int) -> int:
    return hash64(f"{seed}/{question_id}")


def split_questions(question_ids: list[str], train_fraction: float, seed: int,
                    valid_share_of_train: float = VALID_SHARE_OF_TRAIN) -> dict[str, str]:
    """question id -> 'train' | 'valid' | 'test': the first round(train_fraction * n) questions
    in seeded hash order are train, of which the first round(valid_share * train) are valid."""
    ordered = sorted(set(question_ids), key=lambda q: (question_order(q, seed), q))
    n_train = round(train_fraction * len(ordered))
    n_valid = round(valid_share_of_train * n_train)
    return {q: "valid" if i < n_valid else "train" if i < n_train else "test"
            for i, q in enumerate(ordered)}


def squad_subset(paragraphs: list[Paragraph], keep: set[str]) -> list[Paragraph]:
    """Every paragraph (candidates unchanged), only the questions whose id is in `keep`."""
    return [dataclasses.replace(p, questions=tuple(q for q in p.questions if q.qid in keep))
            for p in paragraphs]


def frame(cls_id: int, sep_id: int, question_ids, sentence_ids, context_ids,
          config: FinetuneConfig) -> tuple[list[int], list[int], bool, bool]:
    """(query ids, doc ids, query cut, doc cut): the pipeline's own query framing
    (schemas/framing.py) and the ReQA candidate framing (wikipairs/reqa/candidates.py)."""
    from schemas.framing import frame_query

    query, query_cut = frame_query(tuple(question_ids), cls_id, sep_id, config.max_query_len)
    doc, doc_cut = frame_candidate(cls_id, sep_id, sentence_ids, context_ids, config.max_doc_len,
                                   config.max_sentence_tokens)
    return list(query), list(doc), query_cut, doc_cut


def build_records(paragraphs: list[Paragraph], split_of: dict[str, str], tokenizer,
                  config: FinetuneConfig):
    """({split: [(order, serialized Example)]}, {'query'|'doc': records cut}, the ReqaSet): one
    pair per (question, target sentence)."""
    from schemas.pairs import PAIRS_SCHEMA_VERSION, REQA_TASK, serialize_example

    reqa_set = build_reqa_set(paragraphs)
    candidates = reqa_set.candidates
    sentence_ids, context_ids = tokenize_candidates(candidates, tokenizer)
    question_ids = tokenizer.tokenize(reqa_set.questions)
    records: dict[str, list[tuple[int, bytes]]] = {"train": [], "valid": [], "test": []}
    truncated = {"query": 0, "doc": 0}
    for qid, text, ids, targets in zip(reqa_set.question_ids, reqa_set.questions, question_ids,
                                      reqa_set.targets):
        for target in targets:
            candidate = candidates[target]
            query, doc, query_cut, doc_cut = frame(
                tokenizer.cls_id, tokenizer.sep_id, ids, sentence_ids[target],
                context_ids[target], config)
            truncated["query"] += query_cut
            truncated["doc"] += doc_cut
            pair_id = f"reqa/{qid}/{target}"
            record = serialize_example({
                "schema_version": PAIRS_SCHEMA_VERSION, "task": REQA_TASK, "pair_id": pair_id,
                "query_ids": query, "doc_ids": doc,
                # The candidate index: the loss's accidental-hit masking compares doc keys.
                "query_article_id": target, "doc_article_id": target,
                "query_title": candidate.title, "doc_title": candidate.title,
                "query_text": text, "doc_text": f"{candidate.sentence} [SEP] {candidate.context}"})
            records[split_of[qid]].append((question_order(pair_id, config.seed), record))
    return records, truncated, reqa_set


def write_split(records: list[tuple[int, bytes]], pairs_dir: str,
                split: str) -> dict[str, dict[str, int]]:
    """Shards of one split, records in hash order, each visible only once complete; returns
    their paths relative to pairs_dir with their records and bytes (metadata.json's
    shard_files)."""
    from schemas.pairs import REQA_TASK, shard_name, write_shard_file

    if not records:
        return {}
    count = max(1, -(-len(records) // RECORDS_PER_SHARD))
    written = {}
    for index in range(count):
        relative = f"{split}/{shard_name(REQA_TASK, index, count)}"
        written[relative] = write_shard_file(
            posixpath.join(pairs_dir, relative),
            (record for _, record in sorted(r for r in records if r[0] % count == index)))
    return written


def resolve_vocab(vocab: str) -> tuple[str, bool | None]:
    """`vocab`: a vocab.txt, or a directory holding one (a pairs dir or a training run's
    model_dir), whose metadata then says whether it lower-cases. Returns (path, lower_case or
    None when unknown)."""
    import tensorflow as tf

    from schemas.pairs import METADATA_FILE, VOCAB_FILE, read_metadata
    from trainer.layout import METADATA_COPY

    if not tf.io.gfile.isdir(vocab):
        return vocab, None
    for metadata in (METADATA_FILE, METADATA_COPY):
        if tf.io.gfile.exists(posixpath.join(vocab, metadata)):
            return (posixpath.join(vocab, VOCAB_FILE),
                    read_metadata(posixpath.join(vocab, metadata)).lower_case)
    return posixpath.join(vocab, VOCAB_FILE), None


def convert(squad: str, vocab: str, output_dir: str, config: FinetuneConfig,
            lower_case: bool | None = None) -> dict:
    """Write the shards, metadata.json, vocab.txt and the squad_*.json subsets; returns counts."""
    import tensorflow as tf

    from schemas.pairs import PAIRS_DIR, REQA_TASK, VOCAB_FILE, PairsMetadata, write_metadata
    from pipeline.tokenizer import TokenizerSpec

    vocab_path, known_lower_case = resolve_vocab(vocab)
    lower_case = known_lower_case if lower_case is None else lower_case
    tokenizer = TokenizerSpec(vocab_path, True if lower_case is None else lower_case).build()
    paragraphs = read_squad(squad)
    answerable = [q.qid for p in paragraphs for q in p.questions if not q.is_impossible]
    split_of = split_questions(answerable, config.train_fraction, config.seed,
                               config.valid_share_of_train)
    records, truncated, reqa_set = build_records(paragraphs, split_of, tokenizer, config)
    pairs_dir = posixpath.join(output_dir, PAIRS_DIR)
    shards = {split: write_split(rows, pairs_dir, split) for split, rows in records.items()}
    tf.io.gfile.copy(vocab_path, posixpath.join(pairs_dir, VOCAB_FILE), overwrite=True)
    write_metadata(PairsMetadata.create(
        vocab_sha256=tokenizer.sha256, vocab_size=tokenizer.vocab_size,
        lower_case=tokenizer.lower_case, vocab_learned=False,
        max_query_len=config.max_query_len, max_doc_len=config.max_doc_len, keep_text=True,
        seed=config.seed, split_fractions=[config.train_fraction, 0.0, 1 - config.train_fraction],
        pair_config={**dataclasses.asdict(config),
                     "max_title_tokens": config.max_sentence_tokens},
        counts={s: {REQA_TASK: len(rows)} for s, rows in records.items()},
        truncated={side: {REQA_TASK: n} for side, n in truncated.items()},
        shards={s: {REQA_TASK: sorted(files)} for s, files in shards.items()}, inputs=[squad],
        shard_files={name: n for files in shards.values() for name, n in files.items()}),
        pairs_dir)
    for split in records:
        keep = {q for q, s in split_of.items() if s == split}
        write_squad(squad_subset(paragraphs, keep), posixpath.join(output_dir,
                                                                   f"squad_{split}.json"))
    return {"questions": {s: sum(1 for v in split_of.values() if v == s) for s in records},
            "pairs": {s: len(rows) for s, rows in records.items()},
            "candidates": len(reqa_set.candidates), "pairs_dir": pairs_dir,
            "unanswerable": reqa_set.unanswerable}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m wikipairs.reqa.finetune_pairs", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--squad", required=True, help="SQuAD-format JSON, local or gs://")
    parser.add_argument("--vocab", required=True, help="the vocab.txt of the model to fine-tune, "
                        "or its model_dir / pairs dir (then lower-casing comes from there too)")
    parser.add_argument("--output_dir", required=True, help="local or gs://")
    parser.add_argument("--split", default="5/95", choices=sorted(REQA_SPLITS),
                        help="train/test share of the questions")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--lower_case", default=None, action=argparse.BooleanOptionalAction,
                        help="default: the vocab's metadata, else lower-case")
    from pipeline.flags import one_flag_style

    return one_flag_style(parser).parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    import tensorflow as tf

    for path, what in ((args.squad, "--squad"), (args.vocab, "--vocab")):
        if not tf.io.gfile.exists(path):
            sys.exit(f"{what} {path}: no such file or directory")
    from wikipairs.reqa.squad import SquadFormatError

    try:
        summary = convert(args.squad, args.vocab, args.output_dir,
                          FinetuneConfig(train_fraction=REQA_SPLITS[args.split], seed=args.seed),
                          args.lower_case)
    except SquadFormatError as error:  # the file's problem, with where: one line
        sys.exit(str(error))
    print(f"{args.split} split of {args.squad}: questions {summary['questions']}, pairs "
          f"{summary['pairs']}, {summary['candidates']:,} candidates; shards in "
          f"{summary['pairs_dir']}; evaluate on {args.output_dir}/squad_test.json")
    return summary


if __name__ == "__main__":
    main()
