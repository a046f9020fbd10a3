"""Delivering webhooks for the worker: fan due events out, then send each delivery.

Each delivery is claimed (leased, its attempt counted) in one short transaction, sent with no
transaction open, and its outcome recorded in another, so a slow receiver holds no lock and a
worker killed mid-send leaves a lease that simply runs out: the delivery is sent again (at
least once; the stable ``webhook-id`` lets receivers drop the repeat).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from app.settings import DEFAULT_WEBHOOK_RETENTION_DAYS
from core import dialects
from core.db import utcnow
from feeds import fetcher
from feeds.errors import FetchError
from feeds.fetch_policy import FetchPolicy
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
    """Send due deliveries on ``workers`` threads until none is due (or ``stop`` is set), and
    prune what is done with, at most hourly."""

    def __init__(
        self,
        writer: sessionmaker[Session],
        policy: FetchPolicy,
        workers: int = 4,
        stop: threading.Event | None = None,
        lease: dt.timedelta = LEASE,
        clock: Callable[[], dt.datetime] = utcnow,
        retention: dt.timedelta = RETENTION,
    ) -> None:
        self.writer = writer
        self.policy = delivery_policy(policy)
        self.workers = workers
        self.stop = stop or threading.Event()
        self.lease = lease
        self.clock = clock  # tests move time on instead of waiting for it
        self.retention = retention
        self._pruned_at: dt.datetime | None = None
        self._random = random.Random()

    def run(self) -> int:
        """Dispatch due events, send, then prune what is done with (hourly); the number of
        attempts made."""
        self.dispatch()
        with ThreadPoolExecutor(self.workers, thread_name_prefix="webhook") as pool:
            attempts = sum(
                f.result() for f in [pool.submit(self._drain) for _ in range(self.workers)]
            )
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

    def _drain(self) -> int:
        attempts = 0
        while not self.stop.is_set():
            with self.writer() as session:
                claim = deliveries_db.claim(session, self.clock(), self.lease)
                dialects.commit_without_flush_wait(session)
            if claim is None:
                break
            outcome = send(claim, self.policy)
            attempts += 1
            with self.writer() as session:
                deliveries_db.record(
                    session, claim.delivery_id, outcome, self.clock(), self._random.random()
                )
                dialects.commit_without_flush_wait(session)
            if not outcome.delivered:
                log.info(
                    "webhook delivery %s to %s failed: %s",
                    claim.delivery_id,
                    claim.url,
                    outcome.error or f"HTTP {outcome.status}",
                )
        return attempts
