"""Domain rules in plain Python: no Flask, no SQLAlchemy (tests/core/test_purity.py enforces it)."""
