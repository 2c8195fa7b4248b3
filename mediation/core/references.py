"""Case reference numbers a person can read aloud over the phone: XH-2026-000123."""


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year}-{number:06d}"
