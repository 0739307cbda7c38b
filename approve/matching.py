"""Whether a command-line rule applies to an argv: flags, positional words, regexes.

Kept free of dataclasses, YAML and the model, and outside the analyze package, so that the fast
path (approve/fastpath.py) uses exactly the same matching as the full analysis (analyze/rules.py)
at almost no import cost: on a slow disk every module imported costs about a millisecond.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs ~10 ms of start-up

if TYPE_CHECKING:
    import re
    from collections.abc import Collection, Sequence
    from typing import Protocol
else:
    Protocol = object


class CommandPattern(Protocol):
    """What a rule says about the command line (rules.Rule and the fast path's cached rules)."""

    @property
    def args(self) -> tuple[str, ...]: ...
    @property
    def subcommand(self) -> tuple[str, ...]: ...
    @property
    def any_flags(self) -> tuple[str, ...]: ...
    @property
    def all_flags(self) -> tuple[str, ...]: ...
    @property
    def not_flags(self) -> tuple[str, ...]: ...
    @property
    def regex(self) -> re.Pattern[str] | None: ...


def has_flag(words: Sequence[str], flag: str, clusters: bool = True) -> bool:
    """Whether `flag` appears in words, as itself, as `flag=value`, or in a short cluster.

    Words after `--` are operands, not flags.
    """
    short = clusters and len(flag) == 2 and flag[0] == "-" and flag[1] != "-"
    for word in words:
        if word == "--":
            return False
        if word == flag or (flag.startswith("--") and word.startswith(flag + "=")):
            return True
        if (
            short
            and len(word) > 2
            and word[0] == "-"
            and word[1] != "-"
            and word[1:].isalpha()
            and flag[1] in word[1:]
        ):
            return True
    return False


def positionals(argv: Sequence[str], value_flags: Collection[str]) -> list[str]:
    """The words after the program name that are neither flags nor flag values."""
    result: list[str] = []
    skip = False
    after_dashdash = False
    for word in argv[1:]:
        if skip:
            skip = False
            continue
        if after_dashdash:
            result.append(word)
        elif word == "--":
            after_dashdash = True
        elif word.startswith("-") and len(word) > 1:
            skip = word in value_flags
        else:
            result.append(word)
    return result


def flag_value(argv: Sequence[str], flag: str) -> str | None:
    """The value given to `flag` (`--flag value` or `--flag=value`), if it is there."""
    for index, word in enumerate(argv):
        if word == flag and index + 1 < len(argv):
            return argv[index + 1]
        if flag.startswith("--") and word.startswith(flag + "="):
            return word[len(flag) + 1 :]
    return None


def applies(
    rule: CommandPattern, words: Sequence[str], args: Sequence[str], text: str, clusters: bool
) -> bool:
    """Whether the rule matches a command with these words (argv[1:]), positionals and text.

    The cheap tests come first, the regex last: a rule whose words do not fit never needs its
    regex (the fast path compiles one only then, as `re` costs start-up time)."""
    if rule.subcommand and (not args or args[0] not in rule.subcommand):
        return False
    if rule.args and tuple(args[: len(rule.args)]) != rule.args:
        return False
    if rule.any_flags and not any(has_flag(words, f, clusters) for f in rule.any_flags):
        return False
    if rule.all_flags and not all(has_flag(words, f, clusters) for f in rule.all_flags):
        return False
    if rule.not_flags and any(has_flag(words, f, clusters) for f in rule.not_flags):
        return False
    return not (rule.regex and not rule.regex.search(text))
