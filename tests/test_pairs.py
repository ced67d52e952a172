"""Pair sampling and passage packing as pure functions (ids are made up; no vocab needed)."""
from __future__ import annotations

import dataclasses

from pipeline import sampling
from pipeline.splits import split_of
from pipeline.passages import (Sentence, TokenizedArticle, TokenizedSection, pack_article,
                               pack_section)

IDS = sampling.TokenIds(cls=101, sep=102)


def sentence(text: str, length: int | None = None) -> Sentence:
    n = length if length is not None else len(text.split())
    return Sentence(text, tuple(range(1000, 1000 + n)))


def section(is_lead: bool, *paragraphs) -> TokenizedSection:
    return TokenizedSection(is_lead, tuple(tuple(p) for p in paragraphs))


def test_long_paragraph_is_split_and_short_ones_packed():
    s = [sentence(f"s{i}", 10) for i in range(6)]
    packed = pack_section(0, section(False, s[:4], s[4:5], s[5:6]), budget=25, min_tokens=15)
    assert [[x.text for x in p.sentences] for p in packed] == [["s0", "s1"], ["s2", "s3"],
                                                              ["s4", "s5"]]
    assert packed[2].origins == ((1, 0), (2, 0))
    assert all(p.length <= 25 for p in packed)


def test_passages_never_cross_sections_and_keep_the_lead_mark():
    article = TokenizedArticle(1, "T", (7, 8), (
        section(True, [sentence("lead one"), sentence("lead two")]),
        section(False, [sentence("body one")]),
    ))
    packed = pack_article(article, max_doc_len=64, min_tokens=1000)
    assert [(p.section, p.is_lead, len(p.sentences)) for p in packed] == [(0, True, 2),
                                                                          (1, False, 1)]


def _view(article_id=1, title="Title", lead=("L1 a", "L2 b"), body=(("B1 c", "B2 d"), ("B3 e",))):
    passages = [pack_section(0, section(True, [sentence(t) for t in lead]), 100, 0)[0]]
    passages += [pack_section(i + 1, section(False, [sentence(t) for t in p]), 100, 0)[0]
                 for i, p in enumerate(body)]
    return sampling.ArticleView(article_id, title, (7, 8), tuple(passages))


def test_ict_query_is_removed_from_its_passage():
    config = sampling.PairConfig(ict_per_article=10, ict_keep_query_prob=0.0)
    pairs = list(sampling.ict_pairs(_view(), config, IDS))
    assert len(pairs) == 2  # the two passages with at least two sentences
    for pair in pairs:
        assert pair.query_text not in pair.doc_text
        assert pair.doc_ids[:4] == (101, 7, 8, 102) and pair.doc_ids[-1] == 102
        assert pair.query_ids[0] == 101 and pair.query_ids[-1] == 102
        assert {pair.query_text, *[pair.doc_text]} <= {"L1 a", "L2 b", "B1 c", "B2 d"}


def test_ict_keeps_the_query_when_asked():
    config = sampling.PairConfig(ict_per_article=10, ict_keep_query_prob=1.0)
    for pair in sampling.ict_pairs(_view(), config, IDS):
        assert pair.query_text in pair.doc_text


def test_bfs_queries_come_from_the_lead_and_documents_from_outside_it():
    config = sampling.PairConfig(bfs_per_article=20)
    pairs = list(sampling.bfs_pairs(_view(), config, IDS))
    assert {p.query_text for p in pairs} <= {"L1 a", "L2 b"}
    assert {p.doc_text for p in pairs} <= {"B1 c B2 d", "B3 e"}
    # 2 lead sentences x 2 body passages: asked for 20, it gives each combination once
    assert sorted((p.query_text, p.doc_text) for p in pairs) == [
        ("L1 a", "B1 c B2 d"), ("L1 a", "B3 e"), ("L2 b", "B1 c B2 d"), ("L2 b", "B3 e")]


def test_bfs_draws_distinct_texts_without_replacement():
    """Repeated texts (a sentence twice in the lead, a passage twice in the body) are one choice,
    and fewer pairs than combinations are all different."""
    view = _view(lead=("L1 a", "L1 a", "L2 b", "L3 c"), body=(("B1 c",), ("B1 c",), ("B2 d",)))
    for k in range(1, 7):
        pairs = list(sampling.bfs_pairs(view, sampling.PairConfig(bfs_per_article=k), IDS))
        assert len(pairs) == k == len({(p.query_text, p.doc_text) for p in pairs})
    assert len(list(sampling.bfs_pairs(view, sampling.PairConfig(bfs_per_article=50), IDS))) == 6


FRACTIONS = (0.6, 0.2, 0.2)


def _same_split_ids(article_id, count):
    """`count` article ids in the split of `article_id` (and one in another split)."""
    split = split_of(article_id, FRACTIONS)
    same = [i for i in range(100, 10_000) if split_of(i, FRACTIONS) == split][:count]
    other = next(i for i in range(100, 10_000) if split_of(i, FRACTIONS) != split)
    return same, other


def test_wlp_document_is_the_passage_that_holds_the_link():
    target = _view(1, "Target")
    (source_id,), _ = _same_split_ids(1, 1)
    source = _view(source_id, "Source", lead=("S1 f",), body=(("S2 g", "S3 h"), ("S4 i",)))
    inbound = [(source_id, "prose", 1, 0, 1), (1, "prose", 1, 0, 0)]  # and a self-link
    config = sampling.PairConfig(wlp_max_per_target=5)
    by_source, crossing = sampling.linking_sources(1, inbound, config, FRACTIONS)
    requests = list(sampling.wlp_requests(target, by_source, config))
    assert [key for key, _ in requests] == [source_id] and crossing == 0  # no self-link pair
    pair = sampling.wlp_pair(requests[0][1], source, config, IDS)
    assert (pair.query_article_id, pair.doc_article_id) == (1, source_id)
    assert pair.query_text in ("L1 a", "L2 b") and pair.doc_text == "S2 g S3 h"
    assert pair.link_kind == "prose"


def test_wlp_from_a_link_outside_prose_draws_a_passage_of_the_linking_article():
    """A link in a list, table, template or caption has no passage: any passage of B serves,
    drawn by the target's generator (so reruns agree), all passages reachable."""
    docs = set()
    for target_id in range(1, 40):
        (source_id,), _ = _same_split_ids(target_id, 1)
        source = _view(source_id, "Source", lead=("S1 f",), body=(("S2 g",), ("S3 h",)))
        inbound = [(source_id, "template", -1, -1, -1)]
        config = sampling.PairConfig(wlp_max_per_target=1)
        by_source, _ = sampling.linking_sources(target_id, inbound, config, FRACTIONS)
        (_, request), = sampling.wlp_requests(_view(target_id, "Target"), by_source, config)
        pair = sampling.wlp_pair(request, source, config, IDS)
        assert pair.link_kind == "template" and pair.doc_article_id == source_id
        assert pair == sampling.wlp_pair(request, source, config, IDS)
        docs.add(pair.doc_text)
    assert docs == {"S1 f", "S2 g", "S3 h"}


def test_wlp_link_kinds_choose_which_links_feed_it():
    sources, _ = _same_split_ids(1, 3)
    inbound = [(sources[0], "prose", 1, 0, 0), (sources[1], "list", -1, -1, -1),
               (sources[2], "table", -1, -1, -1)]
    config = sampling.PairConfig(wlp_link_kinds=("prose", "table"))
    by_source, _ = sampling.linking_sources(1, inbound, config, FRACTIONS)
    assert sorted(by_source) == [sources[0], sources[2]]


def test_wlp_leaves_out_linking_articles_of_another_split():
    same, other = _same_split_ids(1, 2)
    inbound = [(same[0], "prose", 1, 0, 0), (other, "prose", 1, 0, 0), (other, "list", -1, -1, -1),
               (same[1], "caption", -1, -1, -1)]
    by_source, crossing = sampling.linking_sources(1, inbound, sampling.PairConfig(), FRACTIONS)
    assert sorted(by_source) == sorted(same) and crossing == 1  # one article, two links


def test_wlp_caps_linking_articles_per_target():
    sources, _ = _same_split_ids(1, 20)
    inbound = [(source, "prose", 1, 0, 0) for source in sources]
    config = sampling.PairConfig(wlp_max_per_target=3)
    by_source, _ = sampling.linking_sources(1, inbound, config, FRACTIONS)
    requests = list(sampling.wlp_requests(_view(), by_source, config))
    assert len(requests) == 3 and len({key for key, _ in requests}) == 3


def test_sampling_depends_only_on_seed_article_and_task():
    view = _view()
    config = sampling.PairConfig(ict_per_article=2, bfs_per_article=5)
    first = list(sampling.bfs_pairs(view, config, IDS)) + list(sampling.ict_pairs(view, config, IDS))
    again = list(sampling.bfs_pairs(view, config, IDS)) + list(sampling.ict_pairs(view, config, IDS))
    assert first == again
    other = sampling.PairConfig(ict_per_article=2, bfs_per_article=5, seed=1)
    assert list(sampling.bfs_pairs(view, other, IDS)) != first[:5]


def test_truncation_counts_and_lengths():
    config = sampling.PairConfig(max_query_len=8, max_doc_len=12)
    q_ids, q_cut = sampling.query_ids(sentence("x", 20), config, IDS)
    d_ids, d_cut = sampling.doc_ids((7, 8), [sentence("y", 30)], config, IDS)
    assert (len(q_ids), q_cut, len(d_ids), d_cut) == (8, True, 12, True)
    q_ids, q_cut = sampling.query_ids(sentence("x", 6), config, IDS)
    assert (len(q_ids), q_cut) == (8, False)


def test_split_is_a_function_of_the_article():
    splits = [split_of(i, (0.8, 0.1, 0.1)) for i in range(10_000)]
    assert splits == [split_of(i, (0.8, 0.1, 0.1)) for i in range(10_000)]
    assert 0.77 < splits.count("train") / 10_000 < 0.83
    assert splits.count("valid") > 800 and splits.count("test") > 800


def test_a_view_is_staged_as_one_packed_value_and_comes_back_equal(tmp_path):
    """StageViews writes each view as one bytes value of plain builtins (no class pickled) and the
    WLP side reads it back equal, from a real staged file."""
    import pickle

    from pipeline.staging import StagedWriter, read_staged

    view, other = _view(), dataclasses.replace(_view(), id=99, title="Other")
    writer = StagedWriter(str(tmp_path / "views"))
    assert [writer.write(v.packed()) for v in (view, other)] == [0, 1]
    writer.close()
    staged = [(ordinal, packed) for ordinal, packed, _ in read_staged(str(tmp_path / "views"))]
    assert [ordinal for ordinal, _ in staged] == [0, 1]
    assert all(isinstance(packed, bytes) for _, packed in staged)
    assert [sampling.ArticleView.from_packed(p) for _, p in staged] == [view, other]
    assert b"ArticleView" not in staged[0][1] and b"Sentence" not in staged[0][1]
    assert pickle.loads(staged[1][1])[:2] == (99, "Other")


def test_wlp_requests_meet_their_linking_articles_in_staged_files(tmp_path):
    """The WLP join carries (staged file, ordinal) for each linking article, not its view: the
    requests routed to a file give the pairs `wlp_pair` gives on the views themselves, each
    file read once, and a request to an article without a row gives none."""
    from pipeline.pairs_stage import StageViews, _route_requests, serve_wlp_requests

    config = sampling.PairConfig(wlp_max_per_target=20)
    *sources, rowless = _same_split_ids(1, 13)[0]
    views = {s: _view(s, f"Source {s}", lead=(f"S{s} f",), body=((f"S{s} g", f"S{s} h"),))
             for s in sources}
    stage = StageViews(str(tmp_path), views_per_file=5)  # three files for twelve views
    located = dict(kv for view in views.values() for kv in stage.process(view))
    stage.finish_bundle()
    assert len({path for path, _ in located.values()}) == 3
    inbound = [(s, "prose", 1, 0, 0) for s in sources] + [(rowless, "list", -1, -1, -1)]
    by_source, _ = sampling.linking_sources(1, inbound, config, FRACTIONS)
    requests = list(sampling.wlp_requests(_view(), by_source, config))
    assert rowless in {source for source, _ in requests}
    by_file: dict[str, list] = {}
    for source, request in requests:
        known = [located[source]] if source in located else []
        for path, routed in _route_requests(source, [request], known):
            by_file.setdefault(path, []).append(routed)
    served = sorted((p.doc_article_id, p.doc_text) for kv in by_file.items()
                    for p in serve_wlp_requests(kv, config, IDS))
    expected = sorted((p.doc_article_id, p.doc_text) for source, request in requests
                      if source in views
                      for p in [sampling.wlp_pair(request, views[source], config, IDS)] if p)
    assert served == expected and len(served) == 12
