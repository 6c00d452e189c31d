"""bench/out/latency.png: each page's median and p95 on a log scale, beside both floors."""

from __future__ import annotations

from pathlib import Path

from matplotlib import ticker
from matplotlib.figure import Figure

from bench.report import MAX_RATIO, bare_medians, floor_medians


def draw(results: dict, path: Path) -> None:
    pages = list(reversed(results["pages"]))
    floor, _ = floor_medians(results)
    bare, _ = bare_medians(results)
    labels = [page["label"] for page in pages]
    y = range(len(pages))
    # A Figure of its own, not pyplot's: no display and no global state, only a file.
    figure = Figure(figsize=(10, 0.55 * len(pages) + 2.2))
    axes = figure.subplots()
    axes.barh([i + 0.2 for i in y], [p["p50_ms"] for p in pages], height=0.4, label="median", color="#0d6efd")
    axes.barh([i - 0.2 for i in y], [p["p95_ms"] for p in pages], height=0.4, label="p95", color="#9ec5fe")
    axes.axvline(bare, color="#6c757d", linestyle="--", label=f"bare Django floor, median of the run ({bare} ms)")
    axes.axvline(floor, color="#198754", linestyle="-", label=f"base-layout floor, median of the run ({floor} ms)")
    # Each page's target is twice the base-layout floor measured around it, which drifts with the machine.
    targets_x = [MAX_RATIO * p.get("floor_p50_ms", floor) for p in pages]
    axes.scatter(targets_x, list(y), marker="|", s=900, color="#dc3545", zorder=3)
    axes.scatter([], [], marker="|", s=120, color="#dc3545", label=f"target: {MAX_RATIO:g}× the base-layout floor")
    for i, page in zip(y, pages, strict=True):
        axes.text(
            page["p50_ms"], i + 0.2, f" {page['p50_ms']} ms ({page.get('bare_ratio')}× bare)", va="center", fontsize=8
        )
    axes.set_yticks(list(y), labels)
    # Logarithmic, so "2× the floor" is the same distance everywhere.
    axes.set_xscale("log")
    axes.set_xlim(left=1)
    axes.xaxis.set_major_locator(ticker.FixedLocator([1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 500, 1000, 2000, 5000]))
    axes.xaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
    axes.xaxis.set_minor_formatter(ticker.NullFormatter())
    axes.set_xlabel("latency (ms, log scale)")
    m, config = results["machine"], results["config"]
    axes.set_title(
        f"Kundencenter at agency scale: latency per page vs. both floors\n"
        f"{m['nproc']} CPUs, {config['workers']} gunicorn workers, {config['connections']} connections",
        fontsize=10,
    )
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=8, frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
