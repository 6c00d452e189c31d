"""Random histories of delegation keep its invariants (property-based, hypothesis).

Two owners with two projects each and three caretakers take delegation steps in any order —
request, accept, decline, withdraw, release, resend, revoke, end, also steps that are not theirs
to take — while time passes and the sweeper runs or does not. Refusals (DelegationError, or
"not found" for someone else's row) are allowed outcomes; after every step the invariants hold:

- at most one active (and one open) caretakership per project and caretaker;
- accessible_projects(customer) and accessible_project(customer, ...) give exactly its own
  projects plus those with an active caretakership, cared_for_projects(customer) exactly the latter
  (ASVS 5.0 8.2.2, 8.3.2: expiry counts even when the sweeper did not run);
- every state change has its audit entry;
- every e-mail that left has exactly one outbox row, and each row was sent at most once.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import time_machine
from django.core import mail
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Count, F
from django.test import TestCase
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, invariant, multiple, rule, run_state_machine_as_test

from customercenter.models import Customer
from customercenter.roles import Action
from delegation import services, sweeper
from delegation.access import (
    accessible_project,
    accessible_projects,
    cared_for_projects,
    caretakerships_of,
    project_access,
)
from delegation.models import Caretakership, ManagementRequest, ProjectRelease, Scope
from notifications.models import OutboxEmail
from projects.models import AuditEntry, Project
from tests.factories import CustomerFactory, ProjectFactory

START = datetime(2030, 3, 4, 9, 0, tzinfo=UTC)
OWNERS = st.integers(min_value=0, max_value=1)
CARETAKERS = st.integers(min_value=2, max_value=4)
CUSTOMERS = st.integers(min_value=0, max_value=4)  # anyone may try anything
PROJECTS = st.integers(min_value=0, max_value=3)  # 0-1 of owner 0, 2-3 of owner 1
EXPIRY_DAYS = st.sampled_from([None, 1, 7, 30])

REQUEST_ACTIONS = {
    "accepted": "request.accepted",
    "declined": "request.declined",
    "withdrawn": "request.withdrawn",
    "lapsed": "request.lapsed",
}
RELEASE_ACTIONS = {
    "accepted": "release.accepted",
    "declined": "release.declined",
    "withdrawn": "release.withdrawn",
    "lapsed": "release.lapsed",
}
END_ACTIONS = {
    "revoked": "caretakership.revoked",
    "ended": "caretakership.ended",
    "expired": "caretakership.expired",
    "staff": "caretakership.ended_by_staff",
}


class DelegationMachine(RuleBasedStateMachine):
    requests = Bundle("requests")
    releases = Bundle("releases")
    caretakerships = Bundle("caretakerships")

    def __init__(self):
        super().__init__()
        # One savepoint per example inside the test's transaction: rolled back in teardown.
        self.savepoint = transaction.atomic()
        self.savepoint.__enter__()
        self.traveller = time_machine.travel(START, tick=False)
        self.clock = self.traveller.start()
        mail.outbox = []
        owners = [CustomerFactory() for _ in range(2)]
        caretakers = [CustomerFactory(kind=Customer.Kind.PARTNER) for _ in range(3)]
        self.customers = owners + caretakers
        self.projects = [ProjectFactory(owner=owners[n // 2]) for n in range(4)]
        self.tokens: defaultdict[int, list[str]] = defaultdict(list)
        self.resends: Counter[int] = Counter()
        # Changes of a running caretakership's terms, by (project, audit action).
        self.term_changes: Counter[tuple[int, str]] = Counter()

    def teardown(self):
        self.traveller.stop()
        transaction.set_rollback(True)
        self.savepoint.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------------

    def attempt(self, action) -> object | None:
        """Run one service call; mail leaves when it commits. Refusals are allowed outcomes."""
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                return action()
        except (services.DelegationError, ObjectDoesNotExist):
            return None

    @staticmethod
    def expiry(days: int | None) -> datetime | None:
        return None if days is None else timezone.now() + timedelta(days=days)

    # --- rules ---------------------------------------------------------------------------------

    @rule(target=requests, who=CARETAKERS, project=PROJECTS)
    def request(self, who, project):
        made = self.attempt(
            lambda: services.request_management(caretaker=self.customers[who], project=self.projects[project])
        )
        return made.pk if made else multiple()

    @rule(target=requests, pk=requests)
    def request_again(self, pk):
        """The same caretaker asks for the same project again (after a lapse, a decline, ...)."""
        earlier = ManagementRequest.objects.get(pk=pk)
        made = self.attempt(lambda: services.request_management(caretaker=earlier.caretaker, project=earlier.project))
        return made.pk if made else multiple()

    @rule(target=requests, pk=caretakerships)
    def request_again_after_care(self, pk):
        """A caretaker asks again for a project it cares for, or did until it ended or expired."""
        care = Caretakership.objects.get(pk=pk)
        made = self.attempt(lambda: services.request_management(caretaker=care.caretaker, project=care.project))
        return made.pk if made else multiple()

    @rule(target=caretakerships, owner=OWNERS, pk=requests, days=EXPIRY_DAYS)
    def accept_request(self, owner, pk, days):
        care = self.attempt(
            lambda: services.accept_request(owner=self.customers[owner], request_id=pk, expires_at=self.expiry(days))
        )
        return care.pk if care else multiple()

    @rule(owner=OWNERS, pk=requests)
    def decline_request(self, owner, pk):
        self.attempt(lambda: services.decline_request(owner=self.customers[owner], request_id=pk))

    @rule(who=CUSTOMERS, pk=requests)
    def withdraw_request(self, who, pk):
        self.attempt(lambda: services.withdraw_request(caretaker=self.customers[who], request_id=pk))

    @rule(
        target=releases,
        owner=OWNERS,
        to=st.integers(min_value=0, max_value=5),
        which=st.sampled_from([(0,), (1,), (0, 1)]),
        days=EXPIRY_DAYS,
    )
    def release(self, owner, to, which, days):
        email = self.customers[to].admin.email if to < 5 else "noch-kein-konto@example.com"
        projects = [self.projects[2 * owner + n] for n in which]
        made = self.attempt(
            lambda: services.create_release(
                owner=self.customers[owner], email=email, projects=projects, access_expires_at=self.expiry(days)
            )
        )
        if not made:
            return multiple()
        release, token = made
        self.tokens[release.pk].append(token)
        return release.pk

    def answer(self, service, who: int, pk: int, by_token: bool, old_token: bool):
        """By id (Offene Anträge) or by the link; an old link once the release was resent."""
        if by_token:
            tokens = self.tokens[pk]
            token = tokens[0] if old_token else tokens[-1]
            return self.attempt(lambda: service(customer=self.customers[who], token=token))
        return self.attempt(lambda: service(customer=self.customers[who], pk=pk))

    @rule(target=caretakerships, who=CUSTOMERS, pk=releases, by_token=st.booleans(), old_token=st.booleans())
    def accept_release(self, who, pk, by_token, old_token):
        accepted = self.answer(services.accept_release, who, pk, by_token, old_token)
        return multiple(*[care.pk for care in accepted or []])

    @rule(who=CUSTOMERS, pk=releases, by_token=st.booleans(), old_token=st.booleans())
    def decline_release(self, who, pk, by_token, old_token):
        self.answer(services.decline_release, who, pk, by_token, old_token)

    @rule(owner=OWNERS, pk=releases)
    def withdraw_release(self, owner, pk):
        self.attempt(lambda: services.withdraw_release(owner=self.customers[owner], pk=pk))

    @rule(owner=OWNERS, pk=releases)
    def resend_release(self, owner, pk):
        token = self.attempt(lambda: services.resend_release(owner=self.customers[owner], pk=pk))
        if token:
            self.tokens[pk].append(token)
            self.resends[pk] += 1

    @rule(owner=OWNERS, pk=caretakerships)
    def revoke(self, owner, pk):
        self.attempt(lambda: services.revoke_caretakership(owner=self.customers[owner], caretakership_id=pk))

    @rule(who=CUSTOMERS, pk=caretakerships)
    def end(self, who, pk):
        self.attempt(lambda: services.end_caretakership(caretaker=self.customers[who], caretakership_id=pk))

    def change_terms(self, pk: int, action: str, change) -> None:
        before = Caretakership.objects.filter(pk=pk).values_list("expires_at", "scope").first()
        self.attempt(change)
        after = Caretakership.objects.filter(pk=pk).values_list("project_id", "expires_at", "scope").first()
        if before and after and (after[1], after[2]) != before:
            self.term_changes[after[0], action] += 1

    @rule(who=CUSTOMERS, pk=caretakerships, days=st.sampled_from([None, -1, 3, 60]))
    def change_expiry(self, who, pk, days):
        """Extend, shorten, remove, or (refused) set a past expiry; only the owner may."""
        self.change_terms(
            pk,
            "caretakership.expiry_changed",
            lambda: services.change_expiry(
                owner=self.customers[who], caretakership_id=pk, expires_at=self.expiry(days)
            ),
        )

    @rule(who=CUSTOMERS, pk=caretakerships, scope=st.sampled_from(["technical", "read", "admin"]))
    def change_scope(self, who, pk, scope):
        self.change_terms(
            pk,
            "caretakership.scope_changed",
            lambda: services.change_scope(owner=self.customers[who], caretakership_id=pk, scope=scope),
        )

    @rule(days=st.sampled_from([1, 6, 8, 15, 31]))
    def time_passes(self, days):
        self.clock.shift(timedelta(days=days))

    @rule()
    def sweep(self):
        self.attempt(sweeper.sweep)

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def invariants_hold(self):
        now = timezone.now()
        cares = list(Caretakership.objects.values_list("project_id", "caretaker_id", "ended_at", "expires_at"))
        active = [(p, c) for p, c, ended, expires in cares if ended is None and (expires is None or expires > now)]
        self.one_caretakership_per_project_and_caretaker(cares, active)
        self.access_is_own_projects_plus_active_caretakerships(active)
        self.every_state_change_is_audited()
        self.every_mail_that_left_has_its_outbox_row()

    def one_caretakership_per_project_and_caretaker(self, cares, active):
        open_pairs = Counter((project, caretaker) for project, caretaker, ended, _ in cares if ended is None)
        assert max(open_pairs.values(), default=0) <= 1
        assert max(Counter(active).values(), default=0) <= 1

    def access_is_own_projects_plus_active_caretakerships(self, active):
        # The owner's number copied onto each caretakership (its sort key) is the owner's.
        assert not Caretakership.objects.exclude(owner_number=F("project__owner__number")).exists()
        for customer in self.customers:
            own = {p.pk for p in self.projects if p.owner_id == customer.pk}
            cared = {project for project, caretaker in active if caretaker == customer.pk}
            assert set(accessible_projects(customer).values_list("pk", flat=True)) == own | cared
            # The single-project form of the same decision (project pages and actions).
            reachable = set()
            for project in self.projects:
                with contextlib.suppress(Project.DoesNotExist):
                    reachable.add(accessible_project(customer, number=project.number).pk)
            assert reachable == own | cared
            # The caretakerships behind it, which Betreute Projekte and Projektverwaltung list.
            assert sorted(caretakerships_of(customer).values_list("project", flat=True)) == sorted(cared)
            # The cared-for half alone (the API's list for caretakers), with that caretakership's scope.
            scopes = dict(caretakerships_of(customer).values_list("project", "scope"))
            assert dict(cared_for_projects(customer).values_list("pk", "care_scope")) == scopes
            # What each may do there follows the scope: "Nur lesen" changes nothing.
            for care in caretakerships_of(customer).select_related("project"):
                access = project_access(customer, number=care.project.number)
                assert access.can(Action.CHANGE) == (care.scope == Scope.TECHNICAL)
                assert not access.can(Action.ORDER)

    def every_state_change_is_audited(self):
        audited = Counter(
            {
                (row["project_id"], row["action"]): row["n"]
                for row in AuditEntry.objects.values("project_id", "action").annotate(n=Count("pk"))
            }
        )
        changes: Counter[tuple[int, str]] = Counter()
        for project, status in ManagementRequest.objects.values_list("project_id", "status"):
            changes[project, "request.created"] += 1
            if status in REQUEST_ACTIONS:
                changes[project, REQUEST_ACTIONS[status]] += 1
        for release_pk, project, status in ProjectRelease.objects.values_list("pk", "projects", "status"):
            changes[project, "release.created"] += 1
            changes[project, "release.resent"] += self.resends[release_pk]
            if status in RELEASE_ACTIONS:
                changes[project, RELEASE_ACTIONS[status]] += 1
        for project, reason in Caretakership.objects.values_list("project_id", "end_reason"):
            changes[project, "caretakership.started"] += 1
            if reason:
                changes[project, END_ACTIONS[reason]] += 1
        changes.update(self.term_changes)
        missing = {key: n - audited[key] for key, n in changes.items() if audited[key] < n}
        assert missing == {}

    def every_mail_that_left_has_its_outbox_row(self):
        """Compared by recipient and subject: a sent row's body loses its link (see OutboxEmail.redact)."""
        sent = OutboxEmail.objects.filter(status=OutboxEmail.Status.SENT).values_list("to", "subject")
        left = [(message.to[0], message.subject) for message in mail.outbox]
        assert sorted(left) == sorted(sent)


SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_random_delegation_histories_keep_the_invariants(db):
    run_state_machine_as_test(DelegationMachine, settings=SETTINGS)


# Histories the machine found that broke "every state change is audited": a lapse or an expiry
# the sweeper had not seen yet was recorded by nobody when the same pair asked again.


def replay(history) -> None:
    machine = DelegationMachine()
    try:
        history(machine)
        machine.invariants_hold()
    finally:
        machine.teardown()


def test_asking_again_after_an_unswept_lapse_is_audited(db):
    def history(machine):
        first = machine.request(who=2, project=0)
        machine.time_passes(days=31)
        machine.request_again(pk=first)

    replay(history)


def test_accepting_again_after_an_unswept_expiry_is_audited(db):
    def history(machine):
        care = machine.accept_request(owner=0, pk=machine.request(who=2, project=0), days=1)
        machine.time_passes(days=6)
        machine.accept_request(owner=0, pk=machine.request_again_after_care(pk=care), days=7)

    replay(history)
