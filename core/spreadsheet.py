"""Spreadsheet safety shared by every CSV/XLSX export and import."""

from __future__ import annotations

import re

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Defuse spreadsheet formula injection: a text cell starting with = + - @ (or tab/CR) gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


# What an XLSX worksheet cannot hold (openpyxl raises IllegalCharacterError): C0 controls but tab, LF and CR.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def xlsx_text(value):
    """A cell value for an XLSX worksheet: the control characters it cannot hold dropped, then neutralised (in
    that order, so that BEL followed by "=cmd" cannot turn into a formula once the BEL is gone)."""
    if isinstance(value, str):
        value = XLSX_ILLEGAL.sub("", value)
    return neutralise(value)
