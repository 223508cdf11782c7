"""`@batches(exchange, queue)`: a nameko entrypoint that hands a worker the messages of a queue several at a time.

For a stream of small writes that need no answer (the messages the gateway has already answered, recorded by
messaging): one worker and one transaction for up to `size` messages instead of one each. Messages wait at most
`wait` seconds for company. They are acknowledged when the worker has ended, and go back on the queue if it raised
(so the method must be idempotent, and should handle what it can message by message rather than raise).

At most the service's max_workers messages are unacknowledged at once (nameko's prefetch for every consumer of a
service), so a batch holds at most that many.
"""

import logging
from functools import partial

import eventlet
from kombu import Exchange, Queue
from nameko.exceptions import ContainerBeingKilled
from nameko.extensions import Entrypoint
from nameko.messaging import HeaderDecoder, QueueConsumer

log = logging.getLogger(__name__)
RETRY_SECONDS = 1.0


def declare(exchange_name, queue_name):
    """The durable exchange and queue both sides declare (publishing declares the queue: nothing is dropped for
    want of a consumer that has not started yet)."""
    exchange = Exchange(exchange_name, type="direct", durable=True)
    return exchange, Queue(queue_name, exchange=exchange, routing_key=queue_name, durable=True)


class BatchConsumer(Entrypoint, HeaderDecoder):
    queue_consumer = QueueConsumer()

    def __init__(self, exchange_name, queue_name, size=10, wait=0.01, **kwargs):
        self.exchange, self.queue = declare(exchange_name, queue_name)
        self.size, self.wait = size, wait
        self.pending = []
        self.timer = None
        super().__init__(**kwargs)

    def setup(self):
        self.queue_consumer.register_provider(self)

    def stop(self):
        self.queue_consumer.unregister_provider(self)
        # what was received and not yet handed to a worker goes back to the queue for another replica
        for _, message in self._take():
            self.queue_consumer.requeue_message(message)

    def handle_message(self, body, message):
        self.pending.append((body, message))
        if len(self.pending) >= self.size:
            self._flush()
        elif self.timer is None:
            self.timer = eventlet.spawn_after(self.wait, self._flush)

    def _take(self):
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None
        taken, self.pending = self.pending, []
        return taken

    def _flush(self):
        taken = self._take()
        if not taken:
            return
        bodies, messages = [b for b, _ in taken], [m for _, m in taken]
        try:
            self.container.spawn_worker(
                self, (bodies,), {}, context_data={}, handle_result=partial(self.handle_result, messages)
            )
        except ContainerBeingKilled:
            for message in messages:
                self.queue_consumer.requeue_message(message)

    def handle_result(self, messages, worker_ctx, result=None, exc_info=None):
        if exc_info is not None:
            # the database or the broker is away: back on the queue after a pause, not in a tight loop
            log.warning("a batch of %d failed (%s); requeued in %ss", len(messages), exc_info[1], RETRY_SECONDS)
            eventlet.spawn_after(RETRY_SECONDS, self._requeue, messages)
        else:
            for message in messages:
                self.queue_consumer.ack_message(message)
        return result, exc_info

    def _requeue(self, messages):
        for message in messages:
            self.queue_consumer.requeue_message(message)


batches = BatchConsumer.decorator
