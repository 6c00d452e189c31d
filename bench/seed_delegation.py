"""Seeding of the delegation rows: caretakerships (the agency's, the big owner's, due ones for the
sweeper, history), management requests and project releases with their projects.
"""

from __future__ import annotations

from datetime import timedelta

from bench.seeding import AGENCY_EMAIL, RELEASE_TOKEN, Seeder
from customercenter.models import CUSTOMER_NUMBER_OFFSET
from customercenter.tokens import hash_token
from delegation.models import Caretakership, ManagementRequest, ProjectRelease
from delegation.rules import REQUEST_LIFETIME


def caretakerships(seeder: Seeder) -> None:
    size, rng = seeder.size, seeder.rng
    per_customer = size.agency_projects // size.agency_customers
    seeder.cared_by_agency = [pk for c in seeder.agency_customers for pk in seeder.projects_of[c][:per_customer]]
    rows, audit = [], []
    started = Caretakership.Source

    def add(project, caretaker, *, expires_at=None, ended_at=None, end_reason=""):
        start = seeder.days_ago(40, 900) if ended_at is None else ended_at - timedelta(days=rng.uniform(10, 400))
        source = started.RELEASE if rng.random() < 0.5 else started.REQUEST
        owner_number = CUSTOMER_NUMBER_OFFSET + seeder.project_owner[project]
        rows.append(
            (len(rows) + 1, source, start, expires_at, ended_at, end_reason, None, owner_number, caretaker, project)
        )
        audit.append((project, "caretakership.started", seeder.name[caretaker], start))
        if ended_at is None:
            seeder.open_pairs.add((project, caretaker))
        else:
            audit.append((project, f"caretakership.{end_reason}", seeder.name[caretaker], ended_at))

    def random_open_pair(projects=None) -> tuple[int, int]:
        while True:
            project = rng.choice(projects) if projects else rng.randint(1, size.projects)
            caretaker = rng.choice(seeder.caretaker_ids)
            if (project, caretaker) not in seeder.open_pairs:
                return project, caretaker

    for project in seeder.cared_by_agency:
        add(project, seeder.agency, expires_at=seeder.expiry(30, 365) if rng.random() < 0.3 else None)
    for project in seeder.projects_of[seeder.agency]:
        add(project, rng.choice(seeder.caretaker_ids))
    for _ in range(size.due):
        project, caretaker = random_open_pair()
        # Expired at one of the last 20 midnights: due, but not swept yet.
        add(project, caretaker, expires_at=seeder.expiry(-20, -1))
    rest = size.caretakerships - len(rows)
    active = rest * 9 // 25
    owner_projects = seeder.projects_of[seeder.owner]
    for k in range(active):
        project, caretaker = random_open_pair(owner_projects if k < len(owner_projects) * 4 // 3 else None)
        add(project, caretaker, expires_at=seeder.expiry(10, 400) if rng.random() < 0.3 else None)
    reasons = [Caretakership.EndReason.REVOKED, Caretakership.EndReason.ENDED, Caretakership.EndReason.EXPIRED]
    for k in range(rest - active):
        # Some history of the agency too: ended caretakerships must not slow its pages down.
        caretaker = seeder.agency if k % 25 == 0 else rng.choice(seeder.caretaker_ids)
        ended_at, reason = seeder.days_ago(1, 700), rng.choice(reasons)
        add(rng.randint(1, size.projects), caretaker, ended_at=ended_at, end_reason=reason)
    seeder.write(
        Caretakership,
        [
            "id",
            "source",
            "started_at",
            "expires_at",
            "ended_at",
            "end_reason",
            "reminder_sent_at",
            "owner_number",
            "caretaker",
            "project",
        ],
        rows,
    )
    seeder.audit_rows = audit


def requests_and_releases(seeder: Seeder) -> None:
    size, rng = seeder.size, seeder.rng
    Status = ManagementRequest.Status
    cared = set(seeder.cared_by_agency)
    requests, pending_pairs = [], set()

    def request(project, caretaker, status, created_at):
        decided = None if status == Status.PENDING else created_at + timedelta(days=rng.uniform(0.1, 10))
        lapses = created_at + REQUEST_LIFETIME
        requests.append((len(requests) + 1, status, created_at, lapses, decided, caretaker, project))
        seeder.audit_rows.append((project, "request.created", seeder.name[caretaker], created_at))

    def pending_request(caretaker, projects=None):
        while True:
            project = rng.choice(projects) if projects else rng.randint(1, size.projects)
            pair = (project, caretaker)
            mine = seeder.project_owner[project] == caretaker
            if not mine and project not in cared and pair not in seeder.open_pairs and pair not in pending_pairs:
                pending_pairs.add(pair)
                request(project, caretaker, Status.PENDING, seeder.days_ago(0.1, 25))
                return

    agency_requests = size.agency_open // 2
    for _ in range(agency_requests):
        pending_request(seeder.agency)
    for _ in range(size.owner_open - size.owner_open // 5):
        pending_request(rng.choice(seeder.caretaker_ids), seeder.projects_of[seeder.owner])
    for _ in range(size.other_open // 2):
        pending_request(rng.choice(seeder.caretaker_ids))
    decided = [Status.ACCEPTED, Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN, Status.LAPSED]
    for k in range(size.history_requests):
        caretaker = seeder.agency if k % 30 == 0 else rng.choice(seeder.caretaker_ids)
        request(rng.randint(1, size.projects), caretaker, rng.choice(decided), seeder.days_ago(5, 700))
    fields = ["id", "status", "created_at", "lapses_at", "decided_at", "caretaker", "project"]
    seeder.write(ManagementRequest, fields, requests)

    releases, links = [], []
    Release = ProjectRelease.Status

    def release(owner, email, status, created_at, token=None):
        pk = len(releases) + 1
        pending = status == Release.PENDING
        link_expires = created_at + timedelta(days=14)
        decided = None if pending or status == Release.LAPSED else created_at + timedelta(days=rng.uniform(0.1, 5))
        access = seeder.expiry(60, 400) if rng.random() < 0.4 else None
        accepted_by = seeder.agency if status == Release.ACCEPTED and email == AGENCY_EMAIL else None
        releases.append(
            (
                pk,
                owner,
                email,
                access,
                False,
                hash_token(token or f"bench-release-{pk}"),
                link_expires,
                status,
                created_at,
                created_at,
                decided,
                accepted_by,
                None,
            )
        )
        own = [p for p in seeder.projects_of[owner] if p not in cared] or seeder.projects_of[owner]
        for project in rng.sample(own, min(len(own), rng.choice([1, 1, 2, 3]))):
            links.append((len(links) + 1, pk, project))
            seeder.audit_rows.append((project, "release.created", email, created_at))

    owners_with_projects = [c for c in seeder.projects_of if c not in (seeder.agency, seeder.owner)]
    for k in range(size.agency_open - agency_requests):
        owner = rng.choice(owners_with_projects)
        release(owner, AGENCY_EMAIL, Release.PENDING, seeder.days_ago(0.1, 12), RELEASE_TOKEN if k == 0 else None)
    for _ in range(size.owner_open // 5):
        caretaker = rng.choice(seeder.caretaker_ids)
        release(seeder.owner, seeder.email[caretaker], Release.PENDING, seeder.days_ago(0.1, 12))
    for _ in range(size.other_open // 2):
        owner, caretaker = rng.choice(owners_with_projects), rng.choice(seeder.caretaker_ids)
        release(owner, seeder.email[caretaker], Release.PENDING, seeder.days_ago(0.1, 12))
    decided = [Release.ACCEPTED, Release.ACCEPTED, Release.DECLINED, Release.WITHDRAWN, Release.LAPSED]
    for k in range(size.history_releases):
        owner = seeder.owner if k % 50 == 0 else rng.choice(owners_with_projects)
        email = AGENCY_EMAIL if k % 20 == 0 else seeder.email[rng.choice(seeder.caretaker_ids)]
        release(owner, email, rng.choice(decided), seeder.days_ago(20, 700))
    seeder.write(
        ProjectRelease,
        [
            "id",
            "owner",
            "email",
            "access_expires_at",
            "require_mfa",
            "token_hash",
            "link_expires_at",
            "status",
            "created_at",
            "sent_at",
            "decided_at",
            "accepted_by",
            "delivery_failed_at",
        ],
        releases,
    )
    seeder.write(ProjectRelease.projects.through, ["id", "projectrelease", "project"], links)
