"""Wall and CPU time of every chapter of the book at one scale, each executed once in a fresh kernel.

Usage::

    python benchmarks/book_times.py                 # scale from RGLIB_SCALE (default book), every chapter in _toc.yml
    python benchmarks/book_times.py --scale ci chapters/ising.md
    python benchmarks/book_times.py --json times.json

Each chapter is read with jupytext and executed top to bottom with nbclient, the way myst-nb executes it in
`make book` (working directory = the chapter's folder). The table printed at the end is what the README and each
chapter's box quote; run it on an otherwise idle machine. CPU time is that of the kernel and the processes it
waited for (sweep workers included); chapters that use one core have wall ≈ CPU on an idle machine. Stored sweep
results (`rglib.config.data_dir`) make reruns faster: point `RGLIB_DATA` at an empty folder for a cold-cache time.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def toc_chapters() -> list[Path]:
    """The chapter files listed in _toc.yml, in reading order (the intro first)."""
    text = (ROOT / "_toc.yml").read_text()
    root = re.search(r"^root:\s*(\S+)", text, re.M).group(1)
    files = [root] + re.findall(r"file:\s*(\S+)", text)
    out = []
    for f in files:
        p = ROOT / (f if f.endswith(".md") else f + ".md")
        if p.exists() and "code-cell" in p.read_text():
            out.append(p)
    return out


def run_chapter(path: Path, scale: str, timeout: int) -> float:
    """Wall seconds of one execution of a chapter in a fresh kernel."""
    import jupytext
    from nbclient import NotebookClient

    nb = jupytext.read(path)
    env_before = os.environ.get("RGLIB_SCALE")
    os.environ["RGLIB_SCALE"] = scale  # inherited by the kernel
    try:
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}})
        t0 = time.perf_counter()
        client.execute()
        return time.perf_counter() - t0
    finally:
        if env_before is None:
            os.environ.pop("RGLIB_SCALE", None)
        else:
            os.environ["RGLIB_SCALE"] = env_before


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*", type=Path, help="chapter files (default: all in _toc.yml)")
    ap.add_argument("--scale", default=os.environ.get("RGLIB_SCALE") or "book", choices=["ci", "book", "paper"])
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per cell")
    ap.add_argument("--json", type=Path, help="also write the times to this JSON file")
    args = ap.parse_args(argv)
    chapters = [p.resolve() for p in args.chapters] or toc_chapters()
    rows = []
    for p in chapters:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel is a child process, reaped at shutdown
        seconds = run_chapter(p, args.scale, args.timeout)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        rows.append((p.relative_to(ROOT).as_posix(), seconds, cpu, os.getloadavg()[0]))
        print(f"{rows[-1][0]:40s} {seconds:8.1f} s wall {cpu:8.1f} s CPU  load {rows[-1][3]:.1f}", flush=True)
    total = sum(r[1] for r in rows)
    print(f"\nScale `{args.scale}`, {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}\n")
    print("| chapter | wall s | CPU s |\n|---|---:|---:|")
    for name, s, cpu, _ in rows:
        print(f"| `{name}` | {s:.0f} | {cpu:.0f} |")
    print(f"| **total** | **{total:.0f}** | **{sum(r[2] for r in rows):.0f}** |")
    if args.json:
        args.json.write_text(json.dumps({"scale": args.scale, "seconds": {r[0]: r[1] for r in rows},
                                         "cpu_seconds": {r[0]: r[2] for r in rows}, "total": total}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
