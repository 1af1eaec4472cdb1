"""The outbox's messages as RQ jobs (REDIS_URL set): one job per message, run by any `triage worker` on any machine.

The outbox table stays the record of what must be sent. Each worker round hands the due messages over: it leases
them for a send's lease (triage.db.outbox_handover) and pushes one job per message. The job takes the message over
from that lease, sends it through the worker's own transports and settles the row as the loop without Redis does
(triage.jobs.delivery): sent, retried after a backoff (the row's `due_at`, handed over again when due), or failed
for good, which the admins' delivery page lists with its reason. A job that comes too late does nothing, so a
message handed over twice (its first job waited longer than the lease, or Redis lost it) is still sent once; a
worker killed mid-send leaves a lease that runs out, and the message is handed over again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any, Protocol

from triage.db import outbox, outbox_handover
from triage.db.session import Database
from triage.jobs.delivery import CHANNELS, WAITING_REASONS, Sender, origin_request_id, send_lease
from triage.jobs.mail import transports_from_settings
from triage.jobs.queue import JobContext
from triage.jobs.transport import Transport

KIND = "outbox_send"
HAND_OVER_LIMIT = 200  # messages one round hands over at most (a backlog goes over a few rounds)
NO_TRANSPORT_WAIT = dt.timedelta(minutes=1)  # a worker without the channel's transport hands the message back for this


class JobPusher(Protocol):
    """A queue that takes jobs without a key (triage.jobs.rq_queue.RqJobQueue.push)."""

    def push(self, kind: str, payload: Mapping[str, Any]) -> None:
        """Add one job."""
        ...


def hand_over_due(
    db: Database, queue: JobPusher, transports: Mapping[str, Transport], hold: dt.timedelta, now: dt.datetime
) -> int:
    """Lease the due messages of the channels this worker can send and push one job each; how many were handed over."""
    channels = tuple(c for c in CHANNELS if c in transports)
    with db.session() as session:  # committed before the jobs exist: a job never finds its lease missing
        ids, until = outbox_handover.hand_over(session, now, hold, channels, HAND_OVER_LIMIT)
    for message_id in ids:
        # If Redis refuses one, the rest keep their lease until `until` and are handed over again after it.
        queue.push(KIND, {"message_id": message_id, "handed": until.isoformat()})
    return len(ids)


def send_message(context: JobContext, payload: Mapping[str, Any]) -> str:
    """The job: take the message over from its hand-over lease, send it and settle it; what happened to it."""
    message_id = int(payload["message_id"])
    handed = dt.datetime.fromisoformat(str(payload["handed"])) if payload.get("handed") else None
    now = context.clock()
    with context.db.session() as session:
        claim = outbox_handover.claim_handed(session, message_id, handed, now, send_lease(context.settings))
        origin = origin_request_id(session, message_id) if claim is not None else None
    if claim is None:
        return "not this job's"  # sent already, not due, or handed over again to a newer job
    transports = transports_from_settings(context.settings)
    if claim.channel not in transports:  # this worker cannot send it: back to the outbox for one that can
        with context.db.session() as session:
            outbox.postpone(session, claim, now + NO_TRANSPORT_WAIT, WAITING_REASONS.get(claim.channel, "no transport"))
        return "waiting"
    return Sender(context.db, context.settings, transports, random.Random()).send(claim, now, origin)
