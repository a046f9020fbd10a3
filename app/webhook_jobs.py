"""Delivering webhooks for the worker: fan due events out, then send each delivery.

Each delivery is claimed (leased, its attempt counted) in one short transaction, sent with no
transaction open, and its outcome recorded in another (which, after a success, claims the
endpoint's next due delivery), so a slow receiver holds no lock and a worker killed mid-send
leaves a lease that simply runs out: the delivery is sent again (at least once; the stable
``webhook-id`` lets receivers drop the repeat).
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sqlalchemy.orm import Session, sessionmaker

from app.settings import DEFAULT_WEBHOOK_RETENTION_DAYS
from core import dialects
from core.db import utcnow
from feeds import fetcher
from feeds.errors import FetchError
from feeds.fetch_policy import FetchPolicy
from feeds.urls import mask_credentials
from schedules.webhooks import deliveries_db, signing
from schedules.webhooks.endpoints_db import TIMEOUT, delivery_policy
from schedules.webhooks.models import RESPONSE_EXCERPT_MAX

log = logging.getLogger(__name__)

# A claimed delivery is left alone this long: longer than a send can take, so only a dead
# worker's lease runs out.
LEASE = dt.timedelta(seconds=TIMEOUT + 5)
# Finished deliveries and events are kept this long (PLANNER_WEBHOOK_RETENTION_DAYS), for the
# admin's delivery list, and looked for at most this often.
RETENTION = dt.timedelta(days=DEFAULT_WEBHOOK_RETENTION_DAYS)
PRUNE_EVERY = dt.timedelta(hours=1)


def send(claim: deliveries_db.Claim, policy: FetchPolicy) -> deliveries_db.Outcome:
    """POST one signed delivery; never raises for the receiver's or the network's faults."""
    msg_id = signing.message_id(claim.event_id)
    headers = signing.headers(msg_id, utcnow(), claim.body, claim.secrets)
    try:
        answer = fetcher.post(claim.url, claim.body, headers, policy, RESPONSE_EXCERPT_MAX)
    except FetchError as exc:
        return deliveries_db.Outcome(None, error=exc.detail)
    excerpt = answer.head.decode("utf-8", errors="replace")
    return deliveries_db.Outcome(answer.status_code, excerpt)


class DeliveryRunner:
    """Send due deliveries, up to ``workers`` at once to one endpoint, until none is due or
    being sent (or ``stop`` is set), and prune what is done with, at most hourly.

    The calling thread dispatches events and claims deliveries; a pool of ``workers`` + 1
    threads sends them. It keeps dispatching (every ``poll`` seconds) and claiming for the free
    threads while sends are in flight, and no endpoint gets every thread (a failing one gets
    one): a receiver that hangs holds back its own deliveries for its timeout, not others'.
    """

    def __init__(
        self,
        writer: sessionmaker[Session],
        policy: FetchPolicy,
        workers: int = 4,
        stop: threading.Event | None = None,
        lease: dt.timedelta = LEASE,
        clock: Callable[[], dt.datetime] = utcnow,
        retention: dt.timedelta = RETENTION,
        poll: float = 1.0,
    ) -> None:
        self.writer = writer
        self.policy = delivery_policy(policy)
        self.per_endpoint = workers
        self.threads = workers + 1  # the one more is always some other endpoint's
        self.stop = stop or threading.Event()
        self.lease = lease
        self.clock = clock  # tests move time on instead of waiting for it
        self.retention = retention
        self.poll = poll
        self._pruned_at: dt.datetime | None = None
        self._random = random.Random()

    def run(self) -> int:
        """Dispatch due events and send them until nothing is due or in flight, then prune what
        is done with (hourly); the number of attempts made."""
        attempts = 0
        sending: dict[Future[int], int] = {}  # each thread sending, and to which endpoint
        dispatched = -math.inf
        with ThreadPoolExecutor(self.threads, thread_name_prefix="webhook") as pool:
            while True:
                wake = None  # once stopping, the sends in flight are only waited for
                if not self.stop.is_set():
                    if time.monotonic() - dispatched >= self.poll:
                        self.dispatch()
                        dispatched = time.monotonic()
                    self._fill(pool, sending)
                    wake = dispatched + self.poll - time.monotonic()
                if not sending:
                    break
                # Until a send ends (a thread is free) or it is time to dispatch again.
                done, _ = wait(sending, wake, FIRST_COMPLETED)
                for future in done:
                    del sending[future]
                    attempts += future.result()  # a database failure stops the run
        now = self.clock()
        if self._pruned_at is None or now - self._pruned_at >= PRUNE_EVERY:
            self.prune(now - self.retention)
            self._pruned_at = now
        return attempts

    def prune(self, before: dt.datetime) -> int:
        """Delete deliveries and events done with before ``before``, a batch a transaction."""
        return self._in_batches(lambda session: deliveries_db.prune(session, before))

    def dispatch(self) -> int:
        return self._in_batches(lambda session: deliveries_db.dispatch_due(session, self.clock()))

    def _in_batches(self, step: Callable[[Session], int]) -> int:
        """Run ``step`` a transaction at a time until it finds nothing or the worker stops."""
        done = 0
        while not self.stop.is_set():
            with self.writer() as session:
                count = step(session)
                dialects.commit_without_flush_wait(session)
            done += count
            if not count:
                break
        return done

    def _fill(self, pool: ThreadPoolExecutor, sending: dict[Future[int], int]) -> None:
        """Claim a delivery for each free thread, while any is due to an endpoint that may be
        sent more at once."""
        while len(sending) < self.threads:
            with self.writer() as session:
                claim = deliveries_db.claim(
                    session,
                    self.clock(),
                    self.lease,
                    collections.Counter(sending.values()),
                    self.per_endpoint,
                )
                dialects.commit_without_flush_wait(session)
            if claim is None:
                return
            sending[pool.submit(self._send, claim)] = claim.endpoint_id

    def _send(self, claim: deliveries_db.Claim) -> int:
        """Send ``claim`` and, while its receiver answers, the endpoint's next due deliveries,
        each claimed as the last is recorded: the thread keeps its place at the endpoint rather
        than wait for the calling thread to claim again. The attempts made."""
        attempts = 0
        while True:
            outcome = send(claim, self.policy)
            attempts += 1
            following = None
            with self.writer() as session:
                now = self.clock()
                deliveries_db.record(
                    session, claim.delivery_id, outcome, now, self._random.random()
                )
                if outcome.delivered and not self.stop.is_set():
                    following = deliveries_db.claim(
                        session, now, self.lease, endpoint_id=claim.endpoint_id
                    )
                dialects.commit_without_flush_wait(session)
            if not outcome.delivered:
                log.info(
                    "webhook delivery %s to %s failed: %s",
                    claim.delivery_id,
                    mask_credentials(claim.url),
                    mask_credentials(outcome.error or f"HTTP {outcome.status}"),
                )
            if following is None:
                return attempts
            claim = following
