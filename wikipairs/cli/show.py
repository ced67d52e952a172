"""`wikipairs show`: a few pairs, decoded, to see whether queries and documents make sense.

The sample is random but reproducible: shards in an order drawn from --seed, records through a
seeded shuffle buffer, so it does not read a whole large dataset to show five pairs (it is uniform
over the first `shuffle_buffer` records read, not over all of them).
"""
from __future__ import annotations

import dataclasses
import random
import textwrap
from typing import Iterator, Sequence

from wikipairs.cli.decode import decode_side
from wikipairs.cli.shards import CliError, Shard, ShardSet

INDENT = " " * 8


@dataclasses.dataclass(frozen=True)
class ShowConfig:
    n: int = 5
    task: str | None = None
    split: str | None = None
    seed: int = 0
    shuffle_buffer: int = 10_000
    batch_size: int = 1024
    parallel_files: int = 0


def select_shards(shards: Sequence[Shard], task: str | None, split: str | None) -> list[Shard]:
    """The shards that can hold pairs of that task and split (by their names; a shard whose name
    says nothing is kept, and its records are filtered by their task feature)."""
    return [s for s in shards
            if (split is None or s.split == split) and (task is None or s.task in (task, None))]


def sample_records(shard_set: ShardSet, config: ShowConfig, with_text: bool) -> Iterator[dict]:
    """Up to n parsed records (numpy values) with their 'file' index into shard_set.shards."""
    import tensorflow as tf

    from wikipairs.cli.read import ReadConfig, parsed_batches

    shards = select_shards(shard_set.shards, config.task, config.split)
    if not shards:
        raise CliError(f"no shards of split {config.split or 'any'} and task "
                       f"{config.task or 'any'} in {shard_set.given}")
    random.Random(config.seed).shuffle(shards)
    index = {shard.path: i for i, shard in enumerate(shard_set.shards)}
    order = [index[shard.path] for shard in shards]
    read = ReadConfig(config.batch_size, config.parallel_files, deterministic=True)
    records = parsed_batches([s.path for s in shards], read, with_text).unbatch()
    if config.task:
        records = records.filter(lambda r: tf.equal(r["task"], config.task))
    records = records.shuffle(config.shuffle_buffer, seed=config.seed).take(config.n)
    for record in records.as_numpy_iterator():
        yield {**record, "file": order[record["file"]]}


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def decoded_pair(record: dict, shard: Shard, tokenizer) -> dict:
    """A record as the JSON object `show --json` prints."""
    pair = {"split": shard.split, "task": _text(record["task"]),
            "pair_id": _text(record["pair_id"]), "shard": shard.name,
            "record": int(record["record"])}
    for side in ("query", "doc"):
        ids = record[f"{side}_ids"]
        pair.update({f"{side}_article_id": int(record[f"{side}_article_id"]),
                     f"{side}_title": _text(record[f"{side}_title"]), f"{side}_len": len(ids)})
        try:
            pair[side] = decode_side(tokenizer, ids)
        except ValueError as error:
            raise CliError(f"{shard.name} record {pair['record']}: {error} "
                           "(run `wikipairs validate`)") from error
        if f"{side}_text" in record:
            pair[f"{side}_text"] = _text(record[f"{side}_text"])
    return pair


def render_pair(pair: dict, number: int, count: int, width: int) -> str:
    lines = [f"── {number}/{count} · {pair['split'] or '?'} · {pair['task']} · "
             f"{pair['pair_id']}  ({pair['shard']}, record {pair['record']})"]
    for side, label in (("query", "query"), ("doc", "doc")):
        lines.append(f"{label:<8}{pair[f'{side}_title']} (article {pair[f'{side}_article_id']}), "
                     f"{pair[f'{side}_len']} tokens")
        lines.append(textwrap.fill(pair[side], width=max(40, width), initial_indent=INDENT,
                                   subsequent_indent=INDENT))
    return "\n".join(lines)
