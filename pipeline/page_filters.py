"""Which pages are articles: the filters of the corpus stage, each with the reason it reports."""
from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class FilterConfig:
    """Defaults are English Wikipedia's; other wikis pass their own template names and prefixes."""

    namespaces: tuple[int, ...] = (0,)
    disambiguation_templates: tuple[str, ...] = (
        "disambiguation", "disambig", "disamb", "dab", "dis", "hndis", "hndisambig", "geodis",
        "numberdis", "mathdab", "mil-unit-dis", "schooldis", "roaddis", "hospitaldis", "shipindex",
        "ship index", "set index article", "sia", "surname", "given name", "letter-number combination disambiguation",
        "disambiguation cleanup", "place name disambiguation", "species latin name disambiguation",
    )
    disambiguation_title_suffixes: tuple[str, ...] = ("(disambiguation)",)
    list_title_prefixes: tuple[str, ...] = ("List of ", "Lists of ", "Index of ", "Outline of ")
    max_page_bytes: int = 4 << 20
    parse_timeout_s: float = 20.0


def _template_key(name: str) -> str:
    return " ".join(name.replace("_", " ").split()).casefold()


def disambiguation_reason(title: str, template_names: list[str], magic_words: set[str],
                          config: FilterConfig) -> str | None:
    """Why a page is a disambiguation or set-index page, or None if it is not one."""
    if "__DISAMBIG__" in magic_words:
        return "magic word __DISAMBIG__"
    if any(title.endswith(suffix) for suffix in config.disambiguation_title_suffixes):
        return "title marks a disambiguation page"
    wanted = {_template_key(t) for t in config.disambiguation_templates}
    for name in template_names:
        if _template_key(name) in wanted:
            return f"template {{{{{name}}}}}"
    return None


def is_list_title(title: str, config: FilterConfig) -> bool:
    return any(title.startswith(prefix) for prefix in config.list_title_prefixes)
