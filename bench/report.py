"""Judge one benchmark run against its targets and turn it into tables: the markdown of
bench/out/results.md and the plain table `make bench` prints.

Every page has two multiples: of the bare Django floor (bench/floor/: what any signed-in Django
page costs) and of the base-layout floor (the app's own layout, middleware and checks, see
bench/urls.py). Both are taken against the floor slices measured around the page (bench/load.py).

`python -m bench.report compare BEFORE.json AFTER.json` prints the before → after table of two
runs (results.json of two revisions, measured on the same machine).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

MAX_RATIO = 2.0
MAX_QUERIES = 10
MAX_SWEEP_SECONDS = 10.0
MAX_IDLE_SWEEP_SECONDS = 0.5
MAX_SEED_SECONDS = 60.0


def floor_medians(results: dict) -> tuple[float, float]:
    """The base-layout floor's median latency and CPU per request over all its slices."""
    floor = next(page for page in results["pages"] if page["name"] == "floor")
    return results.get("floor_p50_ms", floor["p50_ms"]), results.get("floor_server_cpu_ms", floor["server_cpu_ms"])


def bare_medians(results: dict) -> tuple[float, float] | None:
    """The bare Django floor's median latency and CPU per request, if the run has it."""
    bare = next((page for page in results["pages"] if page["name"] == "bare_floor"), None)
    if bare is None:
        return None
    return results.get("bare_p50_ms", bare["p50_ms"]), results.get("bare_server_cpu_ms", bare["server_cpu_ms"])


def ratios(results: dict) -> None:
    """Each page's multiples of both floors, against the floor slices measured around it where the
    run has them, and against the floors' medians over the run otherwise (the floors' own rows)."""
    floor_ms, floor_cpu_ms = floor_medians(results)
    bare = bare_medians(results)
    for page in results["pages"]:
        page["ratio"] = round(page["p50_ms"] / page.get("floor_p50_ms", floor_ms), 2)
        page["cpu_ratio"] = round(page["server_cpu_ms"] / page.get("floor_server_cpu_ms", floor_cpu_ms), 2)
        if bare is not None:
            page["bare_ratio"] = round(page["p50_ms"] / page.get("bare_p50_ms", bare[0]), 2)
            page["bare_cpu_ratio"] = round(page["server_cpu_ms"] / page.get("bare_server_cpu_ms", bare[1]), 2)


def targets(results: dict) -> list[dict]:
    ratios(results)
    floor_ms, _ = floor_medians(results)
    pages = [page for page in results["pages"] if page["name"] != "bare_floor"]
    checks = []
    for page in pages:
        if page["name"] == "floor":
            continue
        checks.append(
            {
                "target": f"{page['name']}: median ≤ {MAX_RATIO:g}× floor",
                "value": f"{page['ratio']}× ({page['p50_ms']} ms vs {page.get('floor_p50_ms', floor_ms)} ms)",
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
        "| Page | median (ms) | p95 (ms) | req/s | × bare Django floor | × base-layout floor "
        "| floors around it: bare / base-layout (ms) | server CPU/request (ms) | CPU × bare / × base-layout "
        "| SQL queries (large / tiny) | in-process: SQL / Python (ms) | HTML (KB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in results["pages"]:
        split = page.get("in_process")
        in_process = f"{split['sql_ms']} / {split['python_ms']} | {split['html_kb']}" if split else "– | –"
        lines.append(
            f"| {page['label']} | {page['p50_ms']} | {page['p95_ms']} | {page['rps']} | "
            f"{times(page.get('bare_ratio'))} | {times(page['ratio'])} | "
            f"{page.get('bare_p50_ms', '–')} / {page.get('floor_p50_ms', '–')} | {page['server_cpu_ms']} | "
            f"{times(page.get('bare_cpu_ratio'))} / {times(page['cpu_ratio'])} | "
            f"{page['queries_large']} / {page['queries_tiny']} | {in_process} |"
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
        f"({config.get('rounds', 1)} slices, each after a slice of each floor of the same length); "
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
        f"Each page was measured in {rounds} slices, alternating with slices of both floors, and its multiples are "
        "taken against the floor slices of the same half minute (column 'floors around it'): the base-layout "
        f"floor's median moved between {min(slices)} and {max(slices)} ms over this run, and that drift must not "
        "decide a target. The floors' own rows and the chart's lines are the medians of all their slices "
        f"(base layout {floor_ms} ms); medians and p95 are the medians of the slices' values."
    )


def times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio}×"


def table(results: dict) -> str:
    """The plain table `make bench` prints: every page against both floors, and its queries."""
    rows = [("Page", "req/s", "median ms", "× bare Django floor", "× base-layout floor", "queries large / tiny")]
    rows += [
        (
            page["label"],
            str(page["rps"]),
            str(page["p50_ms"]),
            times(page.get("bare_ratio")),
            times(page["ratio"]),
            f"{page['queries_large']} / {page['queries_tiny']}",
        )
        for page in results["pages"]
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for label, *figures in rows:
        cells = [cell.rjust(width) for cell, width in zip(figures, widths[1:], strict=True)]
        lines.append("  ".join([label.ljust(widths[0]), *cells]))
    return "\n".join(lines)


def compare(before: dict, after: dict) -> str:
    """Two runs side by side: what a change bought, page by page and for the sweep."""
    old_pages = {page["name"]: page for page in before["pages"]}
    floors = f"{floor_medians(before)[0]} ms → {floor_medians(after)[0]} ms"
    lines = [
        f"Revision {before['revision']} → {after['revision']}; floor median {floors}.",
        "",
        "| Page | median (ms) | × bare floor | × floor | queries | in-process SQL / Python (ms) | HTML (KB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for page in after["pages"]:
        old = old_pages.get(page["name"])
        if old is None:
            continue
        lines.append(
            f"| {page['label']} | {old['p50_ms']} → {page['p50_ms']} | "
            f"{times(old.get('bare_ratio'))} → {times(page.get('bare_ratio'))} | {old['ratio']}× → {page['ratio']}× | "
            f"{old['queries_large']} → {page['queries_large']} | {in_process(old, page)} |"
        )
    old_sweep, sweep = before["sweep"]["first"], after["sweep"]["first"]
    lines.append(
        f"| Sweep, {after['sweep']['due_before']:,} due caretakerships | {old_sweep['seconds']} s → "
        f"{sweep['seconds']} s | | | {old_sweep['queries']} → {sweep['queries']} | | |"
    )
    return "\n".join(lines) + "\n"


def in_process(old: dict, new: dict) -> str:
    """The in-process split of a page in two runs; the bare floor has none."""
    if "in_process" not in old or "in_process" not in new:
        return "– | –"
    was, now = old["in_process"], new["in_process"]
    return (
        f"{was['sql_ms']} / {was['python_ms']} → {now['sql_ms']} / {now['python_ms']} | "
        f"{was['html_kb']} → {now['html_kb']}"
    )


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] != "compare":
        raise SystemExit("usage: python -m bench.report compare BEFORE.json AFTER.json")
    runs = [json.loads(Path(name).read_text()) for name in sys.argv[2:]]
    sys.stdout.write(compare(*runs))
