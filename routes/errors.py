"""One exception hierarchy for the whole package.

Every error raised on purpose by ``routes`` derives from :class:`RouteError`, and each subclass also
inherits the matching built-in, so ``except KeyError`` or ``except ValueError`` keeps working.

A message names the argument, file, row or feature; says what was expected; shows what arrived (``!r``);
and says how to fix it.
"""

from __future__ import annotations

from collections.abc import Iterable


class RouteError(Exception):
    """Base class of every error raised by ``routes``."""


class DataError(RouteError, ValueError):
    """A data file or table is unreadable or breaks the schema.

    Parameters
    ----------
    message
        What is wrong, where, and the fix.
    problems
        Every individual problem found, when a validator collected several before raising.
    """

    def __init__(self, message: str, problems: Iterable[str] | None = None) -> None:
        self.problems: list[str] = list(problems) if problems is not None else []
        if self.problems:
            shown = "\n".join(f"  - {p}" for p in self.problems[:50])
            more = len(self.problems) - 50
            if more > 0:
                shown += f"\n  ... and {more} more"
            message = f"{message}\n{shown}"
        super().__init__(message)


class WriteError(RouteError, OSError):
    """A file cannot be written (disk full, no permission, read-only disk); the message names the path.

    Whatever was at the path before is left as it was.
    """


class SnapshotError(DataError):
    """The active incident snapshot is corrupt, incomplete or locked; the message says how to fall back."""


class NetworkError(DataError):
    """The corridor network (places and legs) is invalid."""


class UnknownPlaceError(RouteError, KeyError):
    """A place name or id matches no node; the message suggests the closest names."""

    def __str__(self) -> str:  # KeyError would otherwise quote the whole message
        return str(self.args[0]) if self.args else ""


class UnknownLegError(RouteError, KeyError):
    """A leg id or edge key matches no edge of the graph."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ArgumentError(RouteError, ValueError):
    """An argument of a library function is out of its range or not one of its choices (a usage error)."""


class ArgumentTypeError(RouteError, TypeError):
    """An argument of a library function is of the wrong type."""


class NoPathError(RouteError, ValueError):
    """No path runs between two places in the asked direction (the message names what a scenario closed)."""


class ScenarioError(RouteError, ValueError):
    """A scenario is impossible or refers to things that do not exist."""


class AmbiguousNameWarning(UserWarning):
    """A name reads as two things (a country and a place): the warning says which reading was taken and how to ask
    for the other."""
