"""What the benchmarks share: a database of generated cases, made once by bench/generate.py and reused."""
import os
import subprocess
import sys
import time

from sqlalchemy import create_engine, inspect, text

BENCH = os.path.dirname(os.path.abspath(__file__))
NOW = "2026-12-01T10:00:00+08:00"  # bench/generate.py's clock for the generated histories


def log(msg: str) -> None:
    print(msg, flush=True)


def ensure_cases(url: str, cases: int, seed: int) -> None:
    """Fill an empty database at `url` with `cases` generated cases; one with cases is used as it is."""
    engine = create_engine(url)
    with engine.connect() as conn:
        count = conn.scalar(text("SELECT count(*) FROM cases")) if inspect(conn).has_table("cases") else 0
    engine.dispose()
    if count:
        log(f"database has {count:,} cases: used as it is")
        return
    log(f"generating {cases:,} cases with bench/generate.py …")
    started = time.perf_counter()
    subprocess.run([sys.executable, os.path.join(BENCH, "generate.py"), "--cases", str(cases),
                    "--database-url", url, "--seed", str(seed), "--now", NOW], check=True,
                   stdout=subprocess.DEVNULL)
    log(f"  generated in {time.perf_counter() - started:.0f}s")
