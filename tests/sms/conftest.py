"""Fixtures: a sandbox on a loopback port, and notifiers with tiny timers pointed at it.

Every test that uses ``sandbox`` fails if the sandbox refused a request as breaking Twilio's
spec or rules, unless the test says it expects that (``sandbox.expect_rejections()``): so a
request our code builds that Twilio would refuse cannot go unnoticed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field

import pytest

from controller.sms import MemoryLedger, RetryPolicy, SmsNotifier, TwilioSettings
from sereno.sms_sandbox import Injection, RunningSandbox, SandboxConfig, running_sandbox

FAST = RetryPolicy(attempts=4, attempt_timeout_s=2.0, initial_backoff_s=0.001, max_backoff_s=0.01)


@dataclass
class Sandbox:
    running: RunningSandbox
    rejections_expected: bool = False

    @property
    def url(self) -> str:
        return self.running.url

    @property
    def settings(self) -> TwilioSettings:
        return self.running.settings()

    @property
    def messages(self) -> list[dict[str, object]]:
        return list(self.running.state.messages.values())

    def expect_rejections(self) -> None:
        self.rejections_expected = True

    def fail_next(self, *items: Mapping[str, object]) -> None:
        self.running.state.inject(Injection.from_json(item) for item in items)


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with running_sandbox(SandboxConfig()) as running:
        box = Sandbox(running)
        yield box
        if not box.rejections_expected:
            refused = [
                f"{r.method} {r.path}: {r.code} {r.message}" for r in running.state.rejections
            ]
            assert not refused, f"the sandbox refused requests Twilio would refuse: {refused}"


@dataclass
class NotifierFactory:
    sandbox: Sandbox
    made: list[SmsNotifier] = field(default_factory=list)

    def __call__(
        self,
        ledger: MemoryLedger | None = None,
        *,
        policy: RetryPolicy = FAST,
        concurrency: int = 8,
        settings: TwilioSettings | None = None,
    ) -> SmsNotifier:
        notifier = SmsNotifier(
            settings or self.sandbox.settings,
            ledger if ledger is not None else MemoryLedger(),
            policy=policy,
            concurrency=concurrency,
        )
        self.made.append(notifier)
        return notifier


@pytest.fixture
async def make_notifier(sandbox: Sandbox) -> AsyncIterator[Callable[..., SmsNotifier]]:
    factory = NotifierFactory(sandbox)
    yield factory
    for notifier in factory.made:
        await notifier.aclose()


def phone(n: int) -> str:
    """A valid Chilean mobile number (phonenumbers accepts +56 9 8765 XXXX)."""
    return f"+5698765{n:04d}"
