"""A real SMTP server on loopback (aiosmtpd) for tests and benchmarks.

It records what it accepts, and can be told to answer the next messages with
an error, to stall before answering, or to answer after a delay.
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port free a moment ago, for a server in another process that must be
    told its port (gunicorn). Racy: in-process servers bind port 0 instead."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def refused_port() -> Iterator[int]:
    """A loopback port that refuses connections for as long as it is held:
    bound but never listening, so no other process can take it meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


class _Controller(Controller):
    """Listens on the port the kernel picks (port 0) and reads it back once
    bound: a port found free and bound later can be taken in between."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


@dataclass
class Received:
    to: list[str]
    message: email.message.EmailMessage

    @property
    def message_id(self) -> str:
        return self.message["Message-ID"]

    @property
    def text(self) -> str:
        return self.message.get_body(("plain",)).get_content()

    @property
    def html(self) -> str:
        return self.message.get_body(("html",)).get_content()


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    # Replies for the next DATA commands, e.g. ["451 4.3.0 Try again later"].
    replies: list[str] = field(default_factory=list)
    # Replies for the next messages to one recipient: {"a@b.c": ["451 ..."]}.
    replies_for: dict[str, list[str]] = field(default_factory=dict)
    delay: float = 0.0
    # While set, the next DATA waits (without answering) until released.
    stall: threading.Event | None = None
    stalled: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:
        import asyncio

        with self.lock:
            reply = self.replies.pop(0) if self.replies else None
            for rcpt in envelope.rcpt_tos:
                if not reply and self.replies_for.get(rcpt):
                    reply = self.replies_for[rcpt].pop(0)
            stall, self.stall = self.stall, None
        if reply:
            return reply
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if stall is not None:
            # The message arrived; the client is left waiting for our answer.
            # Record it as a server would that had already queued it, then
            # wait: the test kills the sender meanwhile.
            with self.lock:
                self.received.append(Received(list(envelope.rcpt_tos), message))
            self.stalled.set()
            while not stall.is_set():
                await asyncio.sleep(0.05)
            return "250 OK"
        if self.delay:
            await asyncio.sleep(self.delay)
        with self.lock:
            self.received.append(Received(list(envelope.rcpt_tos), message))
        return "250 OK"


class LoopbackSMTP:
    def __init__(self) -> None:
        self.handler = Handler()
        self.controller = _Controller(self.handler, hostname="127.0.0.1", port=0)

    def __enter__(self) -> LoopbackSMTP:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return self.controller.port

    def __exit__(self, *exc) -> None:
        if self.handler.stall is not None:
            self.handler.stall.set()
        self.controller.stop()

    @property
    def received(self) -> list[Received]:
        with self.handler.lock:
            return list(self.handler.received)

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.to]

    def distinct_to(self, address: str) -> list[Received]:
        """Messages to `address`, one per Message-ID (what a mailbox would show)."""
        seen: dict[str, Received] = {}
        for r in self.to(address):
            seen.setdefault(r.message_id, r)
        return list(seen.values())

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.received) >= count:
                return self.received
            time.sleep(0.05)
        raise AssertionError(f"expected {count} messages, got {len(self.received)}")
