"""A real SMTP server on 127.0.0.1 for the mail tests (aiosmtpd), started by the test.

When CI is set, a server that cannot start fails the test instead of skipping it."""

import os
import socket
import threading
import time
from email import message_from_bytes, policy

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """Every message the server accepted, parsed."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"

    def to(self, address: str) -> list:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def wait_for(self, count: int, timeout: float = 10) -> list:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.05)
        return list(self.messages)

    def clear(self):
        with self.lock:
            self.messages.clear()


def start_server(port: int | None = None):
    """(controller, mailbox, port); controller.stop() ends it."""
    try:
        from aiosmtpd.controller import Controller
        mailbox = Mailbox()
        port = port or free_port()
        controller = Controller(mailbox, hostname="127.0.0.1", port=port)
        controller.start()
    except Exception as error:  # noqa: BLE001 - any failure to start is reported the same way
        if os.environ.get("CI"):
            pytest.fail(f"the test SMTP server (aiosmtpd) could not start: {error}")
        pytest.skip(f"the test SMTP server (aiosmtpd) could not start: {error}")
    return controller, mailbox, port


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_of(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()
