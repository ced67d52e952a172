"""The stats report (`wikipairs.cli.stats.report`) as text for people."""
from __future__ import annotations

from schemas.pairs import TASKS

BAR_WIDTH = 40


def _percent(rate: float | None, digits: int = 1) -> str:
    return "-" if rate is None else f"{100 * rate:.{digits}f}%"


def _records_table(by_split: dict) -> list[str]:
    columns = [c for c in (*TASKS, "other") if any(c in row for row in by_split.values())]
    lines = ["records".ljust(10) + "".join(f"{c:>10}" for c in (*columns, "total"))]
    for split, row in by_split.items():
        cells = "".join(f"{row.get(c, 0):>10,}" for c in (*columns, "total"))
        lines.append(f"  {split:<8}{cells}")
    return lines


def _metadata_check(check: dict | None) -> list[str]:
    if check is None:
        return ["  (no metadata.json counts to compare with)"]
    if not check["mismatches"]:
        return [f"  equal to metadata.json's counts ({check['groups_checked']} split/task groups)"]
    return ["  DIFFERENT from metadata.json's counts:"] + [
        f"    {m['split']}/{m['task']}: read {m['read']:,}, metadata.json says {m['metadata']:,}"
        for m in check["mismatches"]]


def histogram_lines(bins: list[tuple[int, int, int]], indent: str = "    ") -> list[str]:
    """One bar per bin, scaled to the fullest bin."""
    if not bins:
        return []
    fullest = max(n for _, _, n in bins) or 1
    label_width = len(str(bins[-1][1]))
    return [f"{indent}{low:>{label_width}}-{high:<{label_width}} "
            f"{'█' * round(BAR_WIDTH * n / fullest):<{BAR_WIDTH}} {n:,}" for low, high, n in bins]


def _lengths_table(side: str, groups: dict) -> list[str]:
    header = f"{side} length (tokens)"
    lines = [f"{header:<22}{'records':>10}{'min':>7}{'median':>8}{'p95':>7}{'max':>7}{'mean':>8}"]
    for group, d in groups.items():
        if not d["records"]:
            lines.append(f"  {group:<20}{0:>10}")
            continue
        lines.append(f"  {group:<20}{d['records']:>10,}{d['min']:>7}{d['median']:>8}{d['p95']:>7}"
                     f"{d['max']:>7}{d['mean']:>8.1f}")
    return lines + ["  histogram (all tasks):"] + histogram_lines(groups["all"]["histogram"])


def _truncation_lines(truncation: dict | None) -> list[str]:
    if truncation is None:
        return ["truncation: unknown (no metadata.json: max lengths unknown)"]
    lines = [f"truncation rate, from {truncation['source']}:"]
    exact = truncation["source"].startswith("metadata")
    for side in ("query", "doc"):
        key, rate = ("metadata_truncated", "metadata_rate") if exact else ("at_max_length",
                                                                           "at_max_rate")
        cells = ", ".join(f"{task} {row[key]:,} ({_percent(row[rate])})"
                          for task, row in truncation[side].items())
        lines.append(f"  {side + ':':<7}{cells}")
    limits = truncation["max_lengths"]
    lines.append(f"records at the max length ({limits['query']} query, {limits['doc']} doc "
                 "tokens; includes texts that fit exactly):")
    for side in ("query", "doc"):
        cells = ", ".join(f"{task} {row['at_max_length']:,} ({_percent(row['at_max_rate'])})"
                          for task, row in truncation[side].items())
        lines.append(f"  {side + ':':<7}{cells}")
    return lines


def _unk_lines(unk: dict | None) -> list[str]:
    if unk is None:
        return ["[UNK]: unknown (no vocab.txt: pass --vocab)"]
    return ["[UNK] rate:"] + [
        f"  {side + ':':<7}{_percent(u['rate'], 3)} of {u['tokens']:,} tokens "
        f"({u['unk_tokens']:,} [UNK], in {u['records_with_unk']:,} of the records)"
        for side, u in unk.items()]


def render(report: dict) -> str:
    metadata = report["metadata"]
    about = ("no metadata.json" if metadata is None else
             f"metadata.json: schema {metadata['schema_version']}, vocab {metadata['vocab_size']:,}"
             f" tokens, {'all' if metadata['whole'] else 'some'} of its shards")
    shards = report["shards"]
    lines = [f"{report['path']}: {shards} shard{'' if shards == 1 else 's'}, "
             f"{report['records']:,} records ({about})", ""]
    lines += _records_table(report["records_by_split"]["by_split"])
    lines += _metadata_check(report["records_by_split"]["metadata_check"]) + [""]
    for side in ("query", "doc"):
        lines += _lengths_table(side, report["lengths"][side]) + [""]
    lines += _truncation_lines(report["truncation"]) + [""]
    lines += _unk_lines(report["unk"]) + [""]
    articles, duplicates = report["articles"], report["duplicates"]
    lines += [f"articles: {articles['distinct_query']:,} distinct query articles, "
              f"{articles['distinct_doc']:,} distinct document articles",
              f"duplicate pairs (same query ids and doc ids): {duplicates['records']:,} records "
              f"repeat one of {duplicates['pairs']:,} pairs", "",
              "most frequent document articles:", f"  {'records':>9}  article (id)"]
    lines += [f"  {a['records']:>9,}  {a['title']} ({a['id']})" for a in report["top_doc_articles"]]
    return "\n".join(lines)
