"""Benchmark steps that run inside Django, one process each: `python -m bench.steps STEP [ARG]`.

bench/run.py starts them with DATABASE_URL pointing at the database of the step; each
prints one JSON object as its last line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from urllib.parse import unquote

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.config import OUT  # noqa: E402
from bench.seed import seed  # noqa: E402
from bench.seeding import AGENCY_EMAIL, API_TOKEN, OWNER_EMAIL, RELEASE_TOKEN  # noqa: E402
from bench.sessions import csrf_cookie, signed_in  # noqa: E402
from customercenter.models import Customer, Membership, User  # noqa: E402
from delegation.models import Caretakership  # noqa: E402
from notifications.models import Notification, OutboxEmail  # noqa: E402
from projects.models import AuditEntry  # noqa: E402

BREAKDOWN_REQUESTS = 20
COST_RUNS = 50


def pages() -> list[dict]:
    """The measured pages, resolved against the current database (the same recipe at every size)."""
    agency = Customer.objects.get(memberships__user__email=AGENCY_EMAIL)
    cared = (
        Caretakership.objects.active()
        .filter(caretaker=agency)
        .select_related("project__owner")
        .order_by("project__number")
        .first()
    )
    return [
        {"name": "floor", "label": "Base-layout floor", "who": "agency", "path": "/bench/floor/"},
        {"name": "project_list", "label": "Projektverwaltung (agency)", "who": "agency", "path": "/projekte/"},
        {
            "name": "project_search",
            "label": f"Projektverwaltung ?q={cared.project.owner.last_name}",
            "who": "agency",
            "path": f"/projekte/?q={cared.project.owner.last_name}",
        },
        {
            "name": "caretakers_agency",
            "label": "Technischer Betreuer (agency)",
            "who": "agency",
            "path": "/vertragsdaten/technischer-betreuer/",
        },
        {
            "name": "caretakers_owner",
            "label": "Technischer Betreuer (big owner)",
            "who": "owner",
            "path": "/vertragsdaten/technischer-betreuer/",
        },
        {
            "name": "cared_list",
            "label": "Betreute Projekte, all (agency)",
            "who": "agency",
            "path": "/vertragsdaten/technischer-betreuer/liste/betreut/",
        },
        {
            "name": "released_list",
            "label": "Freigegebene Projekte, all (big owner)",
            "who": "owner",
            "path": "/vertragsdaten/technischer-betreuer/liste/freigegeben/",
        },
        {
            "name": "project_detail",
            "label": "Cared-for project page (agency)",
            "who": "agency",
            "path": f"/projekte/{cared.project.number}/",
        },
        {
            "name": "api_projects",
            "label": "API: cared-for projects (agency)",
            "who": "api",
            "path": "/api/v1/projects?role=caretaker",
            "headers": {"Authorization": f"Bearer {API_TOKEN}"},
        },
        {
            "name": "release_link",
            "label": "Release link /freigabe/<token>/ (agency)",
            "who": "agency",
            "path": f"/freigabe/{RELEASE_TOKEN}/",
        },
    ]


def cookies() -> dict[str, dict[str, str]]:
    """Signed-in cookies of each `who`; the API is reached with a token alone."""
    csrf = csrf_cookie()
    return {
        **{
            who: signed_in(User.objects.get(email=email), csrf)
            for who, email in (("agency", AGENCY_EMAIL), ("owner", OWNER_EMAIL))
        },
        "api": {},
    }


def client_for(page: dict, jar: dict[str, dict[str, str]]) -> Client:
    """A test client that asks for the page as its `who`: cookies, and the page's own headers."""
    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0], headers=page.get("headers"))
    for name, value in jar[page["who"]].items():
        client.cookies[name] = value
    return client


def step_seed(size: str) -> dict:
    started = time.perf_counter()
    counts, phases = seed(size)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "phases": phases,
        "rows": counts,
        "total_rows": sum(counts.values()),
    }


def step_prepare() -> dict:
    return {"pages": pages(), "cookies": cookies()}


def step_queries(size: str) -> dict:
    """SQL queries per page, in-process through the whole middleware stack (second request counts)."""
    jar = cookies()
    result, log = {}, {}
    for page in pages():
        client = client_for(page, jar)
        client.get(page["path"])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page["path"])
        if response.status_code != 200:
            raise SystemExit(f"{page['path']} answered {response.status_code}")
        result[page["name"]] = len(queries)
        log[page["name"]] = [query["sql"] for query in queries.captured_queries]
    OUT.mkdir(exist_ok=True)
    (OUT / f"queries-{size}.json").write_text(json.dumps(log, indent=1, ensure_ascii=False))
    return result


def step_breakdown() -> dict:
    """Where a page's time goes, in-process: SQL (round trips included) versus Python (mostly templates)."""
    jar, result = cookies(), {}
    for page in pages():
        client = client_for(page, jar)
        for _ in range(3):
            client.get(page["path"])
        timer = QueryTimer()
        with connection.execute_wrapper(timer):
            started = time.perf_counter()
            for _ in range(BREAKDOWN_REQUESTS):
                response = client.get(page["path"])
            total = (time.perf_counter() - started) / BREAKDOWN_REQUESTS * 1000
        sql = timer.seconds / BREAKDOWN_REQUESTS * 1000
        result[page["name"]] = {
            "total_ms": round(total, 2),
            "sql_ms": round(sql, 2),
            "python_ms": round(total - sql, 2),
            "html_kb": round(len(response.content) / 1024, 1),
        }
    return result


def cpu_ms(works: dict[str, dict]) -> dict[str, dict]:
    """The median Python CPU of one call of each work (process time: PostgreSQL's own work is not
    in it), for nested dicts of callables.

    The works take turns, one call each per round, so that all of them are measured on the same
    machine: this one's speed drifts by a fifth over minutes, and parts measured minutes apart
    would not add up.
    """
    flat = [(group, label, work) for group, parts in works.items() for label, work in parts.items()]
    samples: dict[tuple[str, str], list[float]] = {(group, label): [] for group, label, _ in flat}
    for round_number in range(5 + COST_RUNS):
        for group, label, work in flat:
            started = time.process_time()
            work()
            if round_number >= 5:  # the first rounds warm up caches and connections
                samples[group, label].append(time.process_time() - started)
    return {
        group: {label: round(statistics.median(samples[group, label]) * 1000, 2) for label in parts}
        for group, parts in works.items()
    }


def step_costs() -> dict:
    """Where a page's CPU goes, in process: the whole request, and the parts that are the page's
    own (its queries: building, compiling, reading rows; its template), next to building blocks
    such as the cheapest list query. What a page may add on top of the floor is one floor."""
    from django.template.loader import get_template
    from django.test import RequestFactory
    from django.utils import translation

    from delegation.access import get_project_or_404
    from delegation.forms import ManagementRequestForm
    from delegation.queries import overview_lists
    from projects.models import Project
    from projects.queries import project_list_page
    from projects.views import _detail_context

    translation.activate(settings.LANGUAGE_CODE)
    jar, by_name = cookies(), {page["name"]: page for page in pages()}
    people = {
        who: Membership.objects.select_related("user", "customer").get(user__email=email)
        for who, email in (("agency", AGENCY_EMAIL), ("owner", OWNER_EMAIL))
    }

    def request_ms(name: str):
        page = by_name[name]
        client = client_for(page, jar)
        return lambda: client.get(page["path"])  # each call of request_ms has its own client and page

    def request_of(name: str):
        page = by_name[name]
        request = RequestFactory().get(page["path"], HTTP_HOST=settings.ALLOWED_HOSTS[0])
        membership = people[page["who"]]
        request.user, request.customer, request.membership = membership.user, membership.customer, membership
        return request

    works = {"floor": {"request": request_ms("floor")}}
    base = get_template("base.html")
    floor_request = request_of("floor")
    works["floor"]["base layout (template)"] = lambda: base.render({}, floor_request)

    rows = get_template("projects/list.html#project-list")
    for name, query in (
        ("project_list", ""),
        ("project_search", unquote(by_name["project_search"]["path"].split("q=")[1])),
    ):
        agency, request = people["agency"].customer, request_of(name)
        page = project_list_page(agency, query=query)
        works[name] = {
            "request": request_ms(name),
            "queries": lambda agency=agency, query=query: project_list_page(agency, query=query),
            "rows (template)": lambda page=page, query=query, request=request: rows.render(
                {"page": page, "query": query}, request
            ),
        }

    tab = get_template("delegation/tab_caretakers.html")
    for name in ("caretakers_agency", "caretakers_owner"):
        customer, request = people[by_name[name]["who"]].customer, request_of(name)
        context = overview_lists(customer)
        context.update(request_form=ManagementRequestForm(caretaker=customer), accept_error=None, notice="", back="")
        works[name] = {
            "request": request_ms(name),
            "six lists (queries)": lambda customer=customer: overview_lists(customer),
            "tab (template)": lambda context=context, request=request: tab.render(context, request),
        }

    request, number = request_of("project_detail"), by_name["project_detail"]["path"].split("/")[2]
    access = get_project_or_404(request, number)
    context = _detail_context(access)
    detail = get_template("projects/detail.html")
    works["project_detail"] = {
        "request": request_ms("project_detail"),
        "finding and checking the project (query)": lambda request=request: get_project_or_404(request, number),
        "sections and forms (queries)": lambda: _detail_context(access),
        "page with its base layout (template)": lambda context=context, request=request: detail.render(
            context, request
        ),
    }
    own = Project.objects.filter(owner=people["owner"].customer).order_by("number")
    works["building blocks"] = {
        "one query: 25 projects in index order": lambda: list(own[:25]),
        "one query: a project by its number": lambda: Project.objects.get(number=number),
    }
    return {"runs": COST_RUNS, **cpu_ms(works)}


class QueryTimer:
    def __init__(self):
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def step_sweep() -> dict:
    from delegation.sweeper import sweep

    now = timezone.now()
    due = Caretakership.objects.open().filter(expires_at__lte=now).count()
    before = {
        "outbox": OutboxEmail.objects.count(),
        "notifications": Notification.objects.count(),
        "audit": AuditEntry.objects.count(),
    }
    runs = []
    for _ in range(2):
        counter = QueryCounter()
        with connection.execute_wrapper(counter):
            started, cpu = time.perf_counter(), time.process_time()
            outcome = sweep()
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        runs.append(
            {
                "seconds": round(seconds, 3),
                "python_cpu_seconds": round(cpu, 3),
                "queries": counter.count,
                "result": outcome,
            }
        )
    return {
        "due_before": due,
        "due_after": Caretakership.objects.open().filter(expires_at__lte=now).count(),
        "first": runs[0],
        "idle": runs[1],
        "created": {
            "outbox": OutboxEmail.objects.count() - before["outbox"],
            "notifications": Notification.objects.count() - before["notifications"],
            "audit": AuditEntry.objects.count() - before["audit"],
        },
    }


def step_profile(name: str, repeat: str = "50") -> dict:
    """pyinstrument over REPEAT requests of one page; the text report goes to bench/out/profile-NAME.txt."""
    from pyinstrument import Profiler

    page = next(page for page in pages() if page["name"] == name)
    client = client_for(page, cookies())
    client.get(page["path"])
    profiler = Profiler(interval=0.0002)
    with profiler:
        for _ in range(int(repeat)):
            client.get(page["path"])
    OUT.mkdir(exist_ok=True)
    report = OUT / f"profile-{name}.txt"
    report.write_text(profiler.output_text(unicode=True, show_all=False))
    return {"report": str(report.relative_to(OUT.parent.parent))}


STEPS = {
    "seed": step_seed,
    "prepare": step_prepare,
    "queries": step_queries,
    "breakdown": step_breakdown,
    "costs": step_costs,
    "sweep": step_sweep,
    "profile": step_profile,
}

if __name__ == "__main__":
    step, *args = sys.argv[1:]
    print(json.dumps(STEPS[step](*args), ensure_ascii=False))
