"""The benchmark's report: targets judged from a run, and two runs compared."""

from __future__ import annotations

import copy

from bench.report import compare, costs_table, table, targets


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

    rows = compare(before, after)

    assert rows.startswith("Revision 1111111 → 2222222; floor median 3.0 ms → 3.0 ms.")
    assert "| List | 15.0 → 6.0 | – → – | 5.0× → 2.0× | 4 → 4 | 1.0 / 14.0 → 1.0 / 5.0 | 4.0 → 4.0 |" in rows
    assert "| Sweep, 20,000 due caretakerships | 9.0 s → 6.3 s | | | 43 → 43 | | |" in rows


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


def with_bare_floor(results: dict, bare_ms: float) -> dict:
    bare = page("bare_floor", bare_ms, queries=3)
    del bare["in_process"]
    results["pages"].insert(0, bare)
    results["bare_p50_ms"] = results["bare_server_cpu_ms"] = bare_ms
    return results


def test_every_page_is_a_multiple_of_both_floors():
    results = with_bare_floor(run("a", list_ms=6.0, sweep_seconds=3.0), bare_ms=1.5)
    results["pages"][2]["bare_p50_ms"] = 2.0

    targets(results)

    bare, floor, listed = results["pages"]
    assert (bare["bare_ratio"], bare["ratio"]) == (1.0, 0.5)
    assert (floor["bare_ratio"], floor["ratio"]) == (2.0, 1.0)
    # Against the bare floor measured around the page, where the run has it.
    assert (listed["bare_ratio"], listed["ratio"]) == (3.0, 2.0)


def test_the_bare_floor_has_no_target_of_its_own():
    results = with_bare_floor(run("a", list_ms=6.0, sweep_seconds=3.0), bare_ms=1.5)

    names = [check["target"] for check in targets(results)]

    assert not any(name.startswith("bare_floor") for name in names)


def test_printed_table_shows_every_page_against_both_floors_and_its_queries():
    results = with_bare_floor(run("a", list_ms=6.0, sweep_seconds=3.0), bare_ms=1.5)
    for row in results["pages"]:
        row["rps"] = round(1000 / row["p50_ms"], 1)
    targets(results)

    lines = table(results).splitlines()

    assert (
        " ".join(lines[0].split())
        == "Page req/s median ms × bare Django floor × base-layout floor queries large / tiny"
    )
    assert lines[1].split() == ["Bare_Floor", "666.7", "1.5", "1.0×", "0.5×", "3", "/", "3"]
    assert lines[3].split() == ["List", "166.7", "6.0", "4.0×", "2.0×", "4", "/", "4"]
    assert len({len(line) for line in lines}) == 1


def test_compare_shows_the_bare_floor_without_an_in_process_split():
    before = with_bare_floor(run("1111111", list_ms=15.0, sweep_seconds=9.0), bare_ms=1.5)
    after = with_bare_floor(run("2222222", list_ms=6.0, sweep_seconds=6.3), bare_ms=1.5)
    targets(before)
    targets(after)

    rows = compare(before, after)

    assert "| Bare_Floor | 1.5 → 1.5 | 1.0× → 1.0× | 0.5× → 0.5× | 3 → 3 | – | – |" in rows
    assert "| List | 15.0 → 6.0 | 10.0× → 4.0× | 5.0× → 2.0× |" in rows
