"""Errors the user sees as one clear line (the CLI and Dagster print `str(err)`, never a traceback)."""

from __future__ import annotations


class CanbaoError(Exception):
    """Base of every expected, user-facing canbao error."""


class ContractError(CanbaoError):
    """The contract files (sources.yaml / english_names.yaml) are missing or inconsistent."""


class DeliveryRejected(CanbaoError):
    """A whole source-period delivery was refused; nothing of it was loaded.

    The message names source, period, file, line and problem, e.g.
    ``ps_hukou 2015-01: hukou_01.csv line 1: header does not match the contract: missing 户号``.
    """

    def __init__(self, source: str, period: str, file: str | None, line: int | None, problem: str) -> None:
        self.source = source
        self.period = period
        self.file = file
        self.line = line
        self.problem = problem
        where = file if file else "(no file)"
        if line is not None:
            where += f" line {line}"
        super().__init__(f"{source} {period}: {where}: {problem}")
