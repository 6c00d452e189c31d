"""Turn one benchmark run into bench/results.json, bench/results.md and bench/latency.png.

`python -m bench.report compare BEFORE.json AFTER.json` prints the before → after table of two
runs (results.json of two revisions, measured on the same machine) for the README.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
MAX_RATIO = 2.0
MAX_QUERIES = 10
MAX_SWEEP_SECONDS = 10.0
MAX_IDLE_SWEEP_SECONDS = 0.5
MAX_SEED_SECONDS = 60.0


def floor_medians(results: dict) -> tuple[float, float]:
    """The floor's median latency and CPU per request over all its slices (see bench/run.py)."""
    floor = next(page for page in results["pages"] if page["name"] == "floor")
    return results.get("floor_p50_ms", floor["p50_ms"]), results.get("floor_server_cpu_ms", floor["server_cpu_ms"])


def targets(results: dict) -> list[dict]:
    pages = results["pages"]
    floor = next(page for page in pages if page["name"] == "floor")
    floor_ms, floor_cpu_ms = floor_medians(results)
    checks = []
    for page in pages:
        # Against the floor runs next to the page where the run has them (bench/run.py).
        page_floor_ms = page.get("floor_p50_ms", floor_ms)
        page["ratio"] = round(page["p50_ms"] / page_floor_ms, 2)
        page["cpu_ratio"] = round(page["server_cpu_ms"] / page.get("floor_server_cpu_ms", floor_cpu_ms), 2)
        if page is floor:
            continue
        checks.append(
            {
                "target": f"{page['name']}: median ≤ {MAX_RATIO:g}× floor",
                "value": f"{page['ratio']}× ({page['p50_ms']} ms vs {page_floor_ms} ms)",
                "met": page["ratio"] <= MAX_RATIO,
            }
        )
    for page in pages:
        same = page["queries_large"] == page["queries_tiny"]
        checks.append(
            {
                "target": f"{page['name']}: queries large == tiny and ≤ {MAX_QUERIES}",
                "value": f"{page['queries_large']} large / {page['queries_tiny']} tiny",
                "met": same and page["queries_large"] <= MAX_QUERIES,
            }
        )
    sweep = results["sweep"]
    checks += [
        {
            "target": f"sweep of {sweep['due_before']:,} due caretakerships ≤ {MAX_SWEEP_SECONDS:g} s",
            "value": f"{sweep['first']['seconds']} s",
            "met": sweep["first"]["seconds"] <= MAX_SWEEP_SECONDS and sweep["due_after"] == 0,
        },
        {
            "target": f"idle sweep ≤ {MAX_IDLE_SWEEP_SECONDS:g} s",
            "value": f"{sweep['idle']['seconds']} s",
            "met": sweep["idle"]["seconds"] <= MAX_IDLE_SWEEP_SECONDS,
        },
        {
            "target": f"seeding ≤ {MAX_SEED_SECONDS:g} s",
            "value": f"{results['seed']['large']['seconds']} s",
            "met": results["seed"]["large"]["seconds"] <= MAX_SEED_SECONDS,
        },
    ]
    return checks


def markdown(results: dict) -> str:
    m, config, sweep, seed = results["machine"], results["config"], results["sweep"], results["seed"]["large"]
    lines = [
        "| Page | median (ms) | p95 (ms) | req/s | floor around it (ms) | median × floor | server CPU/request (ms) "
        "| CPU × floor | SQL queries (large / tiny) | in-process: SQL / Python (ms) | HTML (KB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in results["pages"]:
        split = page["in_process"]
        lines.append(
            f"| {page['label']} | {page['p50_ms']} | {page['p95_ms']} | {page['rps']} | "
            f"{page.get('floor_p50_ms', '–')} | {page['ratio']}× | {page['server_cpu_ms']} | {page['cpu_ratio']}× | "
            f"{page['queries_large']} / {page['queries_tiny']} | "
            f"{split['sql_ms']} / {split['python_ms']} | {split['html_kb']} |"
        )
    first, idle = sweep["first"], sweep["idle"]
    lines += [
        "",
        "| Job | time | SQL queries | result |",
        "| --- | ---: | ---: | --- |",
        f"| Seeding (large, COPY) | {seed['seconds']} s ({seed['process']['cpu_seconds']} s CPU) | – | "
        f"{seed['total_rows']:,} rows; load {seed['phases']['load']} s, "
        f"VACUUM ANALYZE {seed['phases']['vacuum_analyze']} s |",
        f"| Sweep, {sweep['due_before']:,} due caretakerships | {first['seconds']} s "
        f"({first['python_cpu_seconds']} s CPU) | {first['queries']} | "
        f"{first['result']['expired']:,} expired; {sweep['created']['notifications']:,} notifications, "
        f"{sweep['created']['outbox']:,} outbox e-mails (one digest per recipient), "
        f"{sweep['created']['audit']:,} audit entries, {sweep['tasks_enqueued']:,} send tasks queued |",
        f"| Sweep again, nothing to do | {idle['seconds']} s | {idle['queries']} | {idle['result']} |",
        "",
        "Targets:",
        "",
    ]
    lines += [f"- {'✅' if check['met'] else '❌'} {check['target']}: {check['value']}" for check in results["targets"]]
    lines += [
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['memory_gb']} GB RAM; PostgreSQL {m['postgresql']}, "
        f"Python {m['python']}, Django {m['django']}, gunicorn {m['gunicorn']}, {m['wrk']}. "
        f"Load: {config['workers']} sync gunicorn workers, wrk with {config['connections']} connections, "
        f"{config['warmup_s']} s warm-up and {config['duration_s']} s measurement per page "
        f"({config.get('rounds', 1)} slices, each after a floor slice of the same length); "
        f"DEBUG off, PostgreSQL and Redis on the same machine. Revision {results['revision']}, "
        f"{results['generated_at']}.",
        "",
        floor_note(results),
        "",
        *([*costs_table(results["costs"]), ""] if "costs" in results else []),
        f"Load average (1 min) when the load test started: {results['load_average_at_start']}, during the pages "
        f"{min(p['load_average'][0] for p in results['pages'])}–{max(p['load_average'][1] for p in results['pages'])}"
        f", before the sweep: {sweep['load_average_before']}. The load test itself keeps the two CPUs busy "
        "(gunicorn, PostgreSQL, wrk); a start value above half the CPU count means other work was competing. "
        "Server CPU/request is the CPU time of the gunicorn workers and their PostgreSQL backends divided by the "
        "requests served; it grows much less than latency when other processes compete for the CPUs.",
        "",
    ]
    return "\n".join(lines)


def costs_table(costs: dict) -> list[str]:
    """Where the CPU of each page goes in process, against the floor's whole request."""
    floor = costs["floor"]["request"]
    lines = [
        f"Where the CPU goes, in process (Python only, median of {costs.get('runs', 50)} runs, ms; a page may add "
        f"one floor, {floor} ms, to reach 2×):",
        "",
        "| Page | request | above the floor | its own parts |",
        "| --- | ---: | ---: | --- |",
    ]
    for name, parts in costs.items():
        if not isinstance(parts, dict) or "request" not in parts:
            continue
        own = "; ".join(f"{label} {ms}" for label, ms in parts.items() if label != "request")
        above = "–" if name == "floor" else round(parts["request"] - floor, 2)
        lines.append(f"| {name} | {parts['request']} | {above} | {own} |")
    blocks = costs.get("building blocks", {})
    if blocks:
        lines += ["", "Building blocks: " + "; ".join(f"{label} {ms} ms" for label, ms in blocks.items()) + "."]
    return lines


def floor_note(results: dict) -> str:
    floor = next(page for page in results["pages"] if page["name"] == "floor")
    slices = floor.get("p50_slices_ms", [floor["p50_ms"]])
    floor_ms, _ = floor_medians(results)
    rounds = results["config"].get("rounds", 1)
    return (
        f"Each page was measured in {rounds} slices, alternating with slices of the floor, and its ratio is taken "
        "against the floor slices of the same half minute (column 'floor around it'): the floor's median moved "
        f"between {min(slices)} and {max(slices)} ms over this run, and that drift must not decide a target. The "
        f"floor row and the chart's line are the median of all floor slices ({floor_ms} ms); medians and p95 are "
        "the medians of the slices' values."
    )


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    pages = list(reversed(results["pages"]))
    floor, _ = floor_medians(results)
    labels = [page["label"] for page in pages]
    y = range(len(pages))
    figure, axes = plt.subplots(figsize=(10, 0.55 * len(pages) + 2.2))
    axes.barh([i + 0.2 for i in y], [p["p50_ms"] for p in pages], height=0.4, label="median", color="#0d6efd")
    axes.barh([i - 0.2 for i in y], [p["p95_ms"] for p in pages], height=0.4, label="p95", color="#9ec5fe")
    axes.axvline(floor, color="#198754", linestyle="-", label=f"floor median of the run ({floor} ms)")
    # Each page's target is twice the floor measured around it, which drifts with the machine.
    targets_x = [MAX_RATIO * p.get("floor_p50_ms", floor) for p in pages]
    axes.scatter(targets_x, list(y), marker="|", s=900, color="#dc3545", zorder=3)
    axes.scatter([], [], marker="|", s=120, color="#dc3545", label=f"target: {MAX_RATIO:g}× the floor around the page")
    for i, page in zip(y, pages, strict=True):
        axes.text(page["p50_ms"], i + 0.2, f" {page['p50_ms']} ms ({page['ratio']}×)", va="center", fontsize=8)
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
        f"Kundencenter at agency scale: latency per page vs. the floor\n"
        f"{m['nproc']} CPUs, {config['workers']} gunicorn workers, {config['connections']} connections",
        fontsize=10,
    )
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, fontsize=8, frameon=False)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write(results: dict) -> None:
    results["targets"] = targets(results)
    (BENCH / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    (BENCH / "results.md").write_text(markdown(results))
    chart(results, BENCH / "latency.png")


def compare(before: dict, after: dict) -> str:
    """Two runs side by side: what a change bought, page by page and for the sweep."""
    old_pages = {page["name"]: page for page in before["pages"]}
    floors = f"{floor_medians(before)[0]} ms → {floor_medians(after)[0]} ms"
    lines = [
        f"Revision {before['revision']} → {after['revision']}; floor median {floors}.",
        "",
        "| Page | median (ms) | × floor | queries | in-process SQL / Python (ms) | HTML (KB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in after["pages"]:
        old = old_pages.get(page["name"])
        if old is None:
            continue
        was, now = old["in_process"], page["in_process"]
        lines.append(
            f"| {page['label']} | {old['p50_ms']} → {page['p50_ms']} | {old['ratio']}× → {page['ratio']}× | "
            f"{old['queries_large']} → {page['queries_large']} | "
            f"{was['sql_ms']} / {was['python_ms']} → {now['sql_ms']} / {now['python_ms']} | "
            f"{was['html_kb']} → {now['html_kb']} |"
        )
    old_sweep, sweep = before["sweep"]["first"], after["sweep"]["first"]
    lines.append(
        f"| Sweep, {after['sweep']['due_before']:,} due caretakerships | {old_sweep['seconds']} s → "
        f"{sweep['seconds']} s | | {old_sweep['queries']} → {sweep['queries']} | | |"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "compare":
        raise SystemExit("usage: python -m bench.report compare BEFORE.json AFTER.json")
    runs = [json.loads(Path(name).read_text()) for name in sys.argv[2:]]
    sys.stdout.write(compare(*runs))
