"""Spreadsheet safety shared by every CSV/XLSX export and import."""

from __future__ import annotations

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Defuse spreadsheet formula injection: a text cell starting with = + - @ (or tab/CR) gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
