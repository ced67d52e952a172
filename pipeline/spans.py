"""Rewriting text while keeping character spans (of hyperlinks) pointing at the same words."""
from __future__ import annotations

import bisect
import re
from typing import Callable

Span = tuple[int, int]


def substitute(text: str, spans: list[Span], pattern: re.Pattern[str],
               replacement: str | Callable[[re.Match[str]], str]) -> tuple[str, list[Span]]:
    """`pattern.sub(replacement, text)`, with every span moved to where its text went.

    A span edge inside a replaced region snaps to the edges of the replacement, so a link never
    grows over text it did not cover. The same text object comes back when nothing matched."""
    if not spans:
        new_text = pattern.sub(replacement, text)
        return (text if new_text == text else new_text), spans
    pieces: list[str] = []
    old_starts: list[int] = []  # for each edit: old start, old end, new start, new end
    edits: list[tuple[int, int, int, int]] = []
    last = 0
    new_len = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        kept = text[last:start]
        pieces.append(kept)
        new_len += len(kept)
        repl = replacement if isinstance(replacement, str) else replacement(match)
        pieces.append(repl)
        old_starts.append(start)
        edits.append((start, end, new_len, new_len + len(repl)))
        new_len += len(repl)
        last = end
    if not edits:
        return text, spans
    pieces.append(text[last:])
    new_text = "".join(pieces)

    def move(pos: int, is_end: bool) -> int:
        i = bisect.bisect_right(old_starts, pos) - 1
        if i < 0:
            return pos
        old_start, old_end, new_start, new_end = edits[i]
        if pos >= old_end:
            return new_end + (pos - old_end)
        if pos == old_start:
            return new_start
        return new_end if is_end else new_start

    return new_text, [(move(s, False), max(move(s, False), move(e, True))) for s, e in spans]


def strip(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """`text.strip()` with spans moved and clipped to the stripped text."""
    left = len(text) - len(text.lstrip())
    stripped = text.strip()
    n = len(stripped)
    return stripped, [(min(max(s - left, 0), n), min(max(e - left, 0), n)) for s, e in spans]
