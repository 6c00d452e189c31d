"""The benchmark's report: targets judged from a run, and two runs compared."""

from __future__ import annotations

import copy

from bench.report import compare, costs_table, targets


def page(name: str, p50: float, queries: int = 4) -> dict:
    return {
        "name": name,
        "label": name.title(),
        "p50_ms": p50,
        "server_cpu_ms": p50,
        "queries_large": queries,
        "queries_tiny": queries,
        "in_process": {"sql_ms": 1.0, "python_ms": p50 - 1.0, "html_kb": 4.0},
    }


def run(revision: str, list_ms: float, sweep_seconds: float) -> dict:
    results = {
        "revision": revision,
        "floor_p50_ms": 3.0,
        "floor_server_cpu_ms": 3.0,
        "pages": [page("floor", 3.0, queries=3), page("list", list_ms)],
        "sweep": {
            "due_before": 20000,
            "due_after": 0,
            "first": {"seconds": sweep_seconds, "queries": 43},
            "idle": {"seconds": 0.01, "queries": 6},
        },
        "seed": {"large": {"seconds": 4.0}},
    }
    results["targets"] = targets(results)
    return results


def test_targets_judge_pages_against_the_floor():
    checks = {check["target"]: check for check in run("a", list_ms=6.3, sweep_seconds=3.0)["targets"]}

    assert checks["list: median ≤ 2× floor"]["met"] is False
    assert checks["list: median ≤ 2× floor"]["value"] == "2.1× (6.3 ms vs 3.0 ms)"
    assert checks["list: queries large == tiny and ≤ 10"]["met"] is True
    assert checks["sweep of 20,000 due caretakerships ≤ 10 s"]["met"] is True


def test_a_page_is_judged_against_the_floor_runs_next_to_it():
    results = run("a", list_ms=6.3, sweep_seconds=3.0)
    results["pages"][1]["floor_p50_ms"] = 3.5

    checks = {check["target"]: check for check in targets(results)}

    assert checks["list: median ≤ 2× floor"]["met"] is True
    assert checks["list: median ≤ 2× floor"]["value"] == "1.8× (6.3 ms vs 3.5 ms)"


def test_queries_that_grow_with_the_data_miss_their_target():
    results = run("a", list_ms=5.0, sweep_seconds=3.0)
    results["pages"][1]["queries_large"] = 5

    checks = {check["target"]: check["met"] for check in targets(results)}

    assert checks["list: queries large == tiny and ≤ 10"] is False


def test_compare_shows_each_page_and_the_sweep_before_and_after():
    before = run("1111111", list_ms=15.0, sweep_seconds=9.0)
    after = copy.deepcopy(run("2222222", list_ms=6.0, sweep_seconds=6.3))

    table = compare(before, after)

    assert table.startswith("Revision 1111111 → 2222222; floor median 3.0 ms → 3.0 ms.")
    assert "| List | 15.0 → 6.0 | 5.0× → 2.0× | 4 → 4 | 1.0 / 14.0 → 1.0 / 5.0 | 4.0 → 4.0 |" in table
    assert "| Sweep, 20,000 due caretakerships | 9.0 s → 6.3 s | | 43 → 43 | | |" in table


def test_costs_table_shows_what_each_page_adds_to_the_floor():
    costs = {
        "runs": 50,
        "floor": {"request": 9.0, "base layout (template)": 4.0},
        "project_list": {"request": 21.5, "queries": 6.1, "rows (template)": 2.2},
        "building blocks": {"one query": 0.7},
        "process": {"wall_seconds": 30.0},
    }

    lines = costs_table(costs)

    assert "| floor | 9.0 | – | base layout (template) 4.0 |" in lines
    assert "| project_list | 21.5 | 12.5 | queries 6.1; rows (template) 2.2 |" in lines
    assert lines[-1] == "Building blocks: one query 0.7 ms."
    assert not any("wall_seconds" in line or line.startswith("| process") for line in lines)
