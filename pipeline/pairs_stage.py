"""The pair stage as Beam plumbing: corpus article rows -> tokenized, packed articles -> ICT, BFS
and WLP pairs -> deterministic shards of GZIP TFRecords, vocab.txt and metadata.json.

Shards are cut by a hash of the pair id and each shard's records are ordered by that hash, so a
shard holds pairs of many articles in no article order, and reruns write identical files.
"""
from __future__ import annotations

import dataclasses
import math

import apache_beam as beam
from apache_beam.metrics import Metrics

from pipeline import sampling
from pipeline.corpus_stage import CountStats, JoinStreaming, as_counts, key_counts
from pipeline.passages import Sentence, TokenizedArticle, TokenizedSection, pack_article
from pipeline.progress import worker_progress
from pipeline.splits import (TRAIN, HeldOutText, TextKeys, hash64, keys_leak, pair_split,
                             text_keys)
from pipeline.worker_gc import tune_collector
from schemas.corpus import row_passages, row_sentences

NAMESPACE = "wikipairs"


@dataclasses.dataclass(frozen=True)
class PairsStageConfig:
    output_dir: str  # pairs go to output_dir/pairs
    pairs: sampling.PairConfig = sampling.PairConfig()
    vocab: str | None = None  # a BERT vocab.txt; None = learn one from the corpus
    lower_case: bool = True
    vocab_size: int = 30522
    split_fractions: tuple[float, ...] = (0.98, 0.01, 0.01)
    keep_text: bool = False
    records_per_shard: int = 50_000
    inputs: tuple[str, ...] = ()


def _counter(name: str, n: int = 1) -> None:
    Metrics.counter(NAMESPACE, name).inc(n)


class TokenizeArticles(beam.DoFn):
    """Corpus article rows -> (TokenizedArticle, inbound links), tokenized `batch_articles`
    articles per tokenizer call (each call costs about a millisecond of dispatch and ragged
    bookkeeping whatever its size), with the tokenizer built once per worker from the vocab the
    job uses."""

    def __init__(self, lower_case: bool, max_title_tokens: int, batch_articles: int = 16):
        self.lower_case = lower_case
        self.max_title_tokens = max_title_tokens
        self.batch_articles = batch_articles
        self.tokenizer = None
        self.vocab_path = None

    def setup(self):
        tune_collector()
        self.progress = worker_progress("tokenizing (this worker)", unit="sentences")

    def _tokenizer(self, vocab_path: str):
        if self.tokenizer is None or vocab_path != self.vocab_path:
            from pipeline.tokenizer import TokenizerSpec

            self.tokenizer = TokenizerSpec(vocab_path, self.lower_case).build()
            self.vocab_path = vocab_path
        return self.tokenizer

    def start_bundle(self):
        self.pending: list[tuple[dict, list[str]]] = []

    def process(self, row: dict, vocab_path: str):
        self._tokenizer(vocab_path)
        self.pending.append((row, [row["title"]] + row_sentences(row)))
        if len(self.pending) >= self.batch_articles:
            yield from self._flush()

    def finish_bundle(self):
        from apache_beam.transforms.window import GlobalWindows

        for tokenized in self._flush():
            yield GlobalWindows.windowed_value(tokenized)

    def _flush(self):
        pending, self.pending = self.pending, []
        if not pending:
            return
        ids = self.tokenizer.tokenize([text for _, texts in pending for text in texts])
        position = 0
        for row, texts in pending:
            self.progress.update(len(texts) - 1)
            _counter("tokenized_sentences", len(texts) - 1)
            yield tokenized_article(row, ids[position:position + len(texts)],
                                    self.max_title_tokens)
            position += len(texts)

    def teardown(self):
        self.progress.close()


def tokenized_article(row: dict, ids: list[list[int]], max_title_tokens: int):
    """An article row and the ids of its title and sentences (in `row_sentences` order) ->
    (TokenizedArticle, inbound links)."""
    title_ids = tuple(ids[0][:max_title_tokens])
    position = 1
    paragraphs = [[] for _ in row["sections"]]
    for passage in row_passages(row):
        sentences = passage.sentences
        paragraphs[passage.section].append(tuple(
            Sentence(t, tuple(i)) for t, i in
            zip(sentences, ids[position:position + len(sentences)])))
        position += len(sentences)
    sections = [TokenizedSection(section["is_lead"], tuple(found))
                for section, found in zip(row["sections"], paragraphs)]
    inbound = [inbound_link(link) for link in row["inbound_links"]]
    return TokenizedArticle(row["id"], row["title"], title_ids, tuple(sections)), inbound


def inbound_link(link: dict) -> sampling.InboundLink:
    """An `inbound_links` entry of an article row -> the sampler's tuple (no nulls, so it sorts)."""
    position = tuple(link[k] for k in ("section", "passage", "sentence"))
    if None in position:
        position = (sampling.NO_POSITION,) * 3
    return (link["source_id"], link["kind"], *position)


def to_view(article: TokenizedArticle, config: sampling.PairConfig) -> sampling.ArticleView:
    passages = pack_article(article, config.max_doc_len, config.min_passage_tokens)
    return sampling.ArticleView(article.id, article.title, article.title_ids, tuple(passages))


def wlp_requests(view_and_links, config: sampling.PairConfig, fractions):
    """WLP requests of one target, keyed by linking article; the count of linking articles left
    out for being in another split goes to the 'stats' output."""
    view, inbound = view_and_links
    by_source, crossing = sampling.linking_sources(view.id, inbound, config, fractions)
    if crossing:
        yield beam.pvalue.TaggedOutput("stats", {f"cross_split/{sampling.WLP}": crossing})
    yield from sampling.wlp_requests(view, by_source, config)


class StageViews(beam.DoFn):
    """Article views -> written, packed, to staged files under the pairs directory
    (`pipeline.staging`, a new file every `views_per_file`); yields (article id, (staged file,
    ordinal)): what the WLP join carries instead of the view. The views are the biggest payload
    of the pair stage: a runner that holds a shuffle in memory (the local one) would hold every
    tokenized article, Dataflow would shuffle them all."""

    def __init__(self, directory: str, views_per_file: int = 5_000):
        self.directory, self.views_per_file = directory, views_per_file
        self.writer = None

    def start_bundle(self):
        self.writer = None  # a failed bundle's file is left to the clean-up, never appended to

    def process(self, view: sampling.ArticleView):
        from pipeline.staging import StagedWriter, staged_path

        if self.writer is None:
            self.writer = StagedWriter(staged_path(self.directory, "views"))
        ordinal = self.writer.write(view.packed())
        yield view.id, (self.writer.path, ordinal)
        if self.writer.count >= self.views_per_file:
            self._close()

    def finish_bundle(self):
        self._close()

    def _close(self):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _route_requests(_, requests, source):
    """The WLP requests addressed to one linking article B -> (B's staged file, (its ordinal
    there, request)); none if B has no row. Requests are streamed: one per article B links to,
    at most."""
    for path, ordinal in source[:1]:
        for request in requests:
            yield path, (ordinal, request)


def serve_wlp_requests(kv, config, ids):
    """(staged file, [(ordinal, request)]) -> the WLP pairs of the requests to the articles
    staged there, the file read once in order and only the views asked for unpacked."""
    from pipeline.staging import read_staged

    path, routed = kv
    wanted: dict[int, list] = {}
    for ordinal, request in routed:
        wanted.setdefault(ordinal, []).append(request)
    last = max(wanted, default=-1)
    for ordinal, packed, _ in read_staged(path):
        if ordinal > last:
            break
        if ordinal in wanted:
            view = sampling.ArticleView.from_packed(packed)
            for request in wanted[ordinal]:
                pair = sampling.wlp_pair(request, view, config, ids)
                if pair is not None:
                    yield pair


# A drawn pair as it travels to its shard: (split, task, order, record, text keys, stat names),
# plain values, which Beam encodes itself between steps (a dataclass it would pickle at each);
# order is the hash of the pair id: shard = order % shards, and the order inside the shard.
PlacedPair = tuple[str, str, int, bytes, TextKeys, tuple[str, ...]]


def place(pair: sampling.Pair, fractions, keep_text: bool) -> PlacedPair:
    """A drawn pair -> its split, serialized Example and what the steps after it need, computed
    once."""
    from schemas.pairs import PAIRS_SCHEMA_VERSION, serialize_example

    split = pair_split(pair.query_article_id, pair.doc_article_id, fractions)
    values = {
        "schema_version": PAIRS_SCHEMA_VERSION, "task": pair.task, "pair_id": pair.pair_id,
        "query_ids": pair.query_ids, "doc_ids": pair.doc_ids,
        "query_article_id": pair.query_article_id, "doc_article_id": pair.doc_article_id,
        "query_title": pair.query_title, "doc_title": pair.doc_title,
    }
    if keep_text:
        values.update(query_text=pair.query_text, doc_text=pair.doc_text)
    keys = text_keys(pair.query_text, pair.doc_sentences, pair.doc_text)
    return (split, pair.task, hash64(pair.pair_id), serialize_example(values), keys,
            _pair_stats(pair, split))


def held_out_text(placed: PlacedPair):
    split, _, _, _, keys, _ = placed
    if split != TRAIN:
        yield keys[:2]  # the query and the document (splits.held_out_keys)


class CollectHeldOut(beam.CombineFn):
    """Held-out (query, document) text keys -> one HeldOutText (a side input of the train filter)."""

    def create_accumulator(self):
        return []

    def add_input(self, keys, key):
        keys.append(key)
        return keys

    def merge_accumulators(self, accumulators):
        return [key for keys in accumulators for key in keys]

    def extract_output(self, keys):
        return HeldOutText(keys)


def drop_leaking(placed: PlacedPair, held_out: HeldOutText):
    """Training pairs that carry held-out text are counted and dropped; all others pass."""
    split, task, _, _, keys, _ = placed
    if split == TRAIN and keys_leak(keys, held_out):
        yield beam.pvalue.TaggedOutput("stats", {f"held_out_text/{task}": 1})
    else:
        yield placed


def _placed_stats(placed: PlacedPair) -> tuple[str, ...]:
    return placed[5]


def _pair_stats(pair: sampling.Pair, split: str) -> tuple[str, ...]:
    stats = [f"count/{split}/{pair.task}"]
    stats += [f"truncated/query/{pair.task}"] if pair.query_truncated else []
    stats += [f"truncated/doc/{pair.task}"] if pair.doc_truncated else []
    stats += [f"link_kind/{split}/{pair.link_kind}"] if pair.link_kind else []
    return tuple(stats)


def shard_count(records: int, records_per_shard: int) -> int:
    return max(1, math.ceil(records / records_per_shard))


def _key_by_shard(placed: PlacedPair, counts: dict, records_per_shard: int):
    split, task, order, record, _, _ = placed
    shards = shard_count(counts.get(f"count/{split}/{task}", 0), records_per_shard)
    return (split, task, order % shards, shards), (order, record)


def write_shard(kv, pairs_dir: str) -> tuple[str, dict[str, int]]:
    """Write one shard, records ordered by pair hash (visible only once complete); returns its
    path relative to pairs_dir and its records and bytes, for metadata.json."""
    from schemas.pairs import shard_name, write_shard_file

    (split, task, index, count), records = kv
    relative = f"{split}/{shard_name(task, index, count)}"
    written = write_shard_file(f"{pairs_dir}/{relative}", (r for _, r in sorted(records)))
    _counter(f"shards_written/{split}/{task}")
    return relative, written


def copy_vocab(_, source: str, destination: str) -> str:
    from apache_beam.io.filesystems import FileSystems

    from schemas.commit import write_bytes

    with FileSystems.open(source) as reader:
        return write_bytes(destination, reader.read())


def vocab_facts(vocab_path: str, lower_case: bool) -> dict:
    """Special ids, size and sha256 of the vocab in use (for samplers and metadata.json)."""
    from pipeline.tokenizer import TokenizerSpec

    tokenizer = TokenizerSpec(vocab_path, lower_case).build()
    return {"cls": tokenizer.cls_id, "sep": tokenizer.sep_id, "size": tokenizer.vocab_size,
            "sha256": tokenizer.sha256}


def metadata_json(_, config: PairsStageConfig, facts: dict, counts: dict,
                  shards: list[tuple[str, dict[str, int]]], *after):
    """metadata.json, once every shard is written (`shards` is a side input of their writes)
    and the staged views are gone (`after`): the commit marker of the pairs directory."""
    from schemas.pairs import PRETRAINING_TASKS, SPLITS, PairsMetadata, write_metadata

    tasks = PRETRAINING_TASKS

    def table(prefix, rows, columns=tasks):
        return {r: {c: counts.get(f"{prefix}/{r}/{c}", 0) for c in columns} for r in rows}

    files = dict(sorted(shards))
    shard_lists = {s: {t: [p for p in files if p.startswith(f"{s}/{t}-")] for t in tasks}
                   for s in SPLITS}
    metadata = PairsMetadata.create(
        vocab_sha256=facts["sha256"], vocab_size=facts["size"],
        lower_case=config.lower_case, vocab_learned=config.vocab is None,
        max_query_len=config.pairs.max_query_len, max_doc_len=config.pairs.max_doc_len,
        keep_text=config.keep_text, seed=config.pairs.seed,
        split_fractions=list(config.split_fractions),
        pair_config=dataclasses.asdict(config.pairs),
        counts=table("count", SPLITS), truncated=table("truncated", ("query", "doc")),
        shards=shard_lists, inputs=list(config.inputs),
        cross_split={t: counts.get(f"cross_split/{t}", 0) for t in tasks},
        held_out_text={t: counts.get(f"held_out_text/{t}", 0) for t in tasks},
        wlp_link_kinds=table("link_kind", SPLITS, config.pairs.wlp_link_kinds),
        shard_files=files)
    return write_metadata(metadata, pairs_dir(config))


def pairs_dir(config: PairsStageConfig) -> str:
    from schemas.pairs import PAIRS_DIR

    return f"{config.output_dir.rstrip('/')}/{PAIRS_DIR}"


class BuildPairs(beam.PTransform):
    """Corpus article rows -> pair shards, vocab.txt and metadata.json under output_dir/pairs."""

    def __init__(self, config: PairsStageConfig):
        super().__init__()
        self.config = config

    def _vocab_path(self, articles):
        from schemas.pairs import VOCAB_FILE

        config = self.config
        destination = f"{pairs_dir(config)}/{VOCAB_FILE}"
        if config.vocab:
            return (articles.pipeline | "VocabSeed" >> beam.Impulse()
                    | "CopyVocab" >> beam.Map(copy_vocab, config.vocab, destination))
        from pipeline.vocab import LearnVocab, write_vocab

        return (articles
                | "VocabSentences" >> beam.FlatMap(row_sentences)
                | "LearnVocab" >> LearnVocab(config.vocab_size, config.lower_case)
                | "WriteVocab" >> beam.Map(lambda tokens: write_vocab(tokens, destination)))

    def expand(self, articles):
        config, pair_config = self.config, self.config.pairs
        vocab_path = self._vocab_path(articles)
        facts = vocab_path | "VocabFacts" >> beam.Map(vocab_facts, config.lower_case)
        ids = facts | "TokenIds" >> beam.Map(lambda f: sampling.TokenIds(f["cls"], f["sep"]))
        ids_side = beam.pvalue.AsSingleton(ids)

        tokenized = (articles | "Tokenize" >> beam.ParDo(
            TokenizeArticles(config.lower_case, pair_config.max_title_tokens),
            beam.pvalue.AsSingleton(vocab_path)))
        packed = tokenized | "Pack" >> beam.MapTuple(
            lambda article, inbound: (to_view(article, pair_config), inbound))
        views = packed | "Views" >> beam.MapTuple(lambda view, _: view)
        located = views | "StageViews" >> beam.ParDo(StageViews(pairs_dir(config)))
        fractions = config.split_fractions
        requests = packed | "WlpRequests" >> beam.FlatMap(
            wlp_requests, pair_config, fractions).with_outputs("stats", main="requests")
        wlp = ({"requests": requests.requests, "source": located}
               | "JoinSource" >> JoinStreaming("requests", _route_requests)
               | "ByStagedFile" >> beam.GroupByKey()
               | "WlpPairs" >> beam.FlatMap(serve_wlp_requests, pair_config, ids_side))
        ict = views | "IctPairs" >> beam.FlatMap(sampling.ict_pairs, pair_config, ids_side)
        bfs = views | "BfsPairs" >> beam.FlatMap(sampling.bfs_pairs, pair_config, ids_side)
        drawn = ((ict, bfs, wlp) | "AllPairs" >> beam.Flatten()
                 | "Place" >> beam.Map(place, fractions, config.keep_text))
        # The combines have no default (its steps cost every run): their side inputs give it.
        held_out = (drawn | "HeldOutText" >> beam.FlatMap(held_out_text)
                    | "CollectHeldOut" >> beam.CombineGlobally(CollectHeldOut()).without_defaults())
        kept = drawn | "DropLeaking" >> beam.FlatMap(
            drop_leaking, beam.pvalue.AsSingleton(held_out, default_value=HeldOutText([]))
        ).with_outputs("stats", main="pairs")
        pairs = kept.pairs

        counts = ((pairs | "PairStats" >> beam.Map(key_counts, _placed_stats),
                   requests.stats, kept.stats)
                  | "AllStats" >> beam.Flatten()
                  | "CountStats" >> beam.CombineGlobally(CountStats()).without_defaults())
        shards = (pairs
                  | "KeyByShard" >> beam.Map(_key_by_shard, as_counts(counts),
                                             config.records_per_shard)
                  | "GroupShards" >> beam.GroupByKey()
                  | "WriteShards" >> beam.Map(write_shard, pairs_dir(config)))
        from pipeline.staging import remove_staged_after

        cleaned = (articles.pipeline | "StagedViewsSeed" >> beam.Impulse()
                   | "RemoveStagedViews" >> beam.Map(remove_staged_after, pairs_dir(config),
                                                     beam.pvalue.AsList(shards)))
        return (articles.pipeline
                | "MetadataSeed" >> beam.Impulse()
                | "WriteMetadata" >> beam.Map(
                    metadata_json, config, beam.pvalue.AsSingleton(facts),
                    as_counts(counts), beam.pvalue.AsList(shards),
                    beam.pvalue.AsList(cleaned)))
