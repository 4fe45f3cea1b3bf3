"""Run every benchmark (bench/bench_*.py) and write bench/RESULTS.md.

    python bench/run.py            # all benchmarks
    python bench/run.py media      # only bench_media.py
    python bench/run.py --quick    # short inputs, for a smoke test
    python bench/run.py --assemble # only rebuild RESULTS.md from bench/results/

Each bench_<topic>.py defines ``run(quick: bool) -> str`` returning a Markdown section. Sections are
kept in bench/results/<topic>.md, so running one benchmark updates its section and keeps the others;
RESULTS.md is assembled from all of them with the machine and date of each.
"""

from __future__ import annotations

import datetime
import importlib.util
import os
import platform
import sys
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal")).split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{memory}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def main(argv: list[str]) -> None:
    topics = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    if {"-h", "--help"} & set(argv):
        print(__doc__.strip() + "\n\nTopics: " + ", ".join(topics))
        return
    unknown = [a for a in argv if a not in ("--quick", "--assemble") and a not in topics]
    if unknown:
        raise SystemExit(f"bench/run.py: unknown {' '.join(unknown)}; options: --quick, --assemble; topics: {', '.join(topics)}")
    sys.path.insert(0, str(HERE))  # the benchmarks share bench/peers.py
    quick = "--quick" in argv
    wanted = [a for a in argv if not a.startswith("--")]
    RESULTS.mkdir(exist_ok=True)
    for script in [] if "--assemble" in argv else sorted(HERE.glob("bench_*.py")):
        topic = script.stem.removeprefix("bench_")
        if wanted and topic not in wanted:
            continue
        spec = importlib.util.spec_from_file_location(script.stem, script)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(f"== {topic}", flush=True)
        section = module.run(quick)
        stamp = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
        header = f"_Measured {stamp} on {machine()}{' (quick mode)' if quick else ''}._\n\n"
        (RESULTS / f"{topic}.md").write_text(section.split("\n", 1)[0] + "\n\n" + header + section.split("\n", 1)[1].lstrip("\n"))
        print(section)
    parts = ["# Benchmark results\n", "Produced by `python bench/run.py`; each section says when and where it was measured.\n"]
    parts += [p.read_text() for p in sorted(RESULTS.glob("*.md"))]
    (HERE / "RESULTS.md").write_text("\n".join(parts))


if __name__ == "__main__":
    main(sys.argv[1:])
