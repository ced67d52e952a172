"""One flag style for every command: underscores (`--output_dir`, `--batch_size`, as Beam's own
options are spelled), with the dashed spelling of each long flag accepted as an alias
(`--output-dir`, `--batch-size`), so a flag works however a user types it and help shows one
style. It lives at the bottom layer with no Beam or TensorFlow, like progress.py."""
from __future__ import annotations

import argparse


def spellings(flag: str) -> list[str]:
    """'--batch-size' -> ['--batch_size', '--batch-size']: the underscore one first. A negative
    flag of BooleanOptionalAction keeps its `--no-` (argparse reads the value off it)."""
    if not flag.startswith("--"):
        return [flag]
    prefix, name = ("--no-", flag[5:]) if flag.startswith("--no-") else ("--", flag[2:])
    underscored, dashed = name.replace("-", "_"), name.replace("_", "-")
    return [prefix + underscored] + ([prefix + dashed] if dashed != underscored else [])


def one_flag_style(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every long flag of `parser` (its groups and subcommands included) shown with underscores
    and accepted with dashes too; returns the parser."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in {id(p): p for p in action.choices.values()}.values():
                one_flag_style(subparser)
            continue
        # BooleanOptionalAction acts only on the spellings in its option_strings: it shows both.
        every = isinstance(action, argparse.BooleanOptionalAction)
        shown = []
        for flag in action.option_strings:
            canonical, *aliases = spellings(flag)
            shown += [canonical, *aliases] if every else [canonical]
            for spelling in (canonical, *aliases):  # the parser finds flags by this table
                known = parser._option_string_actions.setdefault(spelling, action)
                if known is not action:
                    raise ValueError(f"{parser.prog}: {spelling} would name two flags")
        action.option_strings = shown
    return parser
