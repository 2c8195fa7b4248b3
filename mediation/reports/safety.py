"""Spreadsheet cells that cannot run as formulas (OWASP, CSV/formula injection)."""

# A spreadsheet treats a cell starting with one of these as a formula (or, for tab and CR,
# may after re-import); a leading quote makes it plain text.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A string cell that would start a formula gets a leading single quote; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
