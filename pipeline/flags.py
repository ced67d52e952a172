"""One flag style for every command: underscores (`--output_dir`, `--batch_size`, as Beam's own
options are spelled), with the dashed spelling of each long flag accepted as an alias
(`--output-dir`, `--batch-size`), so a flag works however a user types it and help shows one
style. A mistyped flag is refused with the nearest known one ("did you mean"). It lives at the
bottom layer with no Beam or TensorFlow, like progress.py."""
from __future__ import annotations

import argparse
import difflib


def spellings(flag: str) -> list[str]:
    """'--batch-size' -> ['--batch_size', '--batch-size']: the underscore one first. A negative
    flag of BooleanOptionalAction keeps its `--no-` (argparse reads the value off it)."""
    if not flag.startswith("--"):
        return [flag]
    prefix, name = ("--no-", flag[5:]) if flag.startswith("--no-") else ("--", flag[2:])
    underscored, dashed = name.replace("-", "_"), name.replace("_", "-")
    return [prefix + underscored] + ([prefix + dashed] if dashed != underscored else [])


def nearest(name: str, known, cutoff: float = 0.75) -> str | None:
    """The one known name close to `name` (a mistyped flag or config key), else None."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=cutoff)
    return close[0] if close else None


def named_flags(args: list[str], known: list[str]) -> list[str]:
    """The flags among unrecognised `args`, each with the nearest known flag when one is close:
    ['--bath_size (did you mean --batch_size?)']. Bare values (of an unknown flag) are left out."""
    named = []
    for arg in args:
        if not arg.startswith("-"):
            continue
        flag = arg.split("=", 1)[0]
        close = nearest(flag, known, cutoff=0.8)
        named.append(f"{flag} (did you mean {close}?)" if close else flag)
    return named


def long_flags(parser: argparse.ArgumentParser) -> list[str]:
    return [flag for action in parser._actions for flag in action.option_strings
            if flag.startswith("--")]


def one_flag_style(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Every long flag of `parser` (its groups and subcommands included) shown with underscores
    and accepted with dashes too, and `parse_args` refusing an unknown flag with the nearest
    known one; returns the parser."""
    _spell_flags(parser)
    parser.parse_args = _refusing_unknown_flags(parser)
    return parser


def _spell_flags(parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for subparser in {id(p): p for p in action.choices.values()}.values():
                _spell_flags(subparser)
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


def _refusing_unknown_flags(parser: argparse.ArgumentParser):
    """argparse's parse_args, but an unknown flag is named with its nearest known flag (of the
    command, or of the subcommand it follows) instead of argparse's bare "unrecognized"."""
    def parse_args(args=None, namespace=None):
        parsed, unknown = parser.parse_known_args(args, namespace)
        if unknown:
            chosen = _chosen_subparser(parser, parsed)
            known = long_flags(parser) + (long_flags(chosen) if chosen else [])
            named = named_flags(unknown, known) or unknown
            (chosen or parser).error(f"unknown argument{'s' if len(named) > 1 else ''}: "
                                     f"{', '.join(named)}")
        return parsed
    return parse_args


def _chosen_subparser(parser: argparse.ArgumentParser, parsed) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and action.dest != argparse.SUPPRESS:
            return action.choices.get(getattr(parsed, action.dest, None))
    return None
