"""Helpers for the end-to-end tests: a :class:`~sereno.demo.site.DemoSite` block (controller,
homes with real nodes on emulated RYLR998 modules over a virtual air, the SMS sandbox), and
what to read off it. No tests here."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from controller.app import ControllerApp
from controller.sms import RetryPolicy
from hardware.pins import BOARD_DEFAULTS
from hardware.radio.rylr998 import Rylr998Config
from hardware.radio.rylr998 import Rylr998Radio as Rylr998Driver
from node.exchange import SendResult
from protocol.frame import FrameType, PanicKind
from sereno.demo.site import CONTROLLER_MODULE, NETWORK_ID, SF, DemoSite, Home

PINS = BOARD_DEFAULTS["pi4"]
AIR_SCALE = 0.1
"""The air and the nodes' timers at a tenth of real time (SF9 airtime ~30 ms)."""
FAST_SMS = RetryPolicy(
    attempts=5, attempt_timeout_s=10.0, initial_backoff_s=0.01, max_backoff_s=0.05
)
"""Quick back-offs, patient timeout (a merely slow answer must not become a second SMS)."""
TIMING_OUT_SMS = RetryPolicy(
    attempts=5, attempt_timeout_s=3.0, initial_backoff_s=0.01, max_backoff_s=0.05
)
"""For a test that injects a timeout."""


@asynccontextmanager
async def block(tmp_path: Path, **options: Any) -> AsyncIterator[DemoSite]:
    """A running demo block; fails the test if the sandbox refused a request as one Twilio
    would refuse."""
    settings: dict[str, Any] = {"air_time_scale": AIR_SCALE, "sms_retry": FAST_SMS, "seed": 7}
    settings.update(options)
    site = DemoSite(tmp_path / "cuadra", **settings)
    async with site.running():
        yield site
        assert site.sandbox is not None
        refused = [f"{r.path}: {r.code} {r.message}" for r in site.sandbox.state.rejections]
        assert not refused, f"the sandbox refused requests Twilio would refuse: {refused}"


async def eventually(condition: Callable[[], bool], within: float = 20.0) -> None:
    """Wait until ``condition()`` holds, polling; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.01)


def pin(site: DemoSite, name: str) -> Any:
    """The controller's mock pin ``siren``, ``strobe`` or ``key_switch``."""
    return site.controller_factory.pin(getattr(PINS, name))


def levels(mock_pin: Any) -> list[bool]:
    return [bool(s.state) for s in mock_pin.states]


def messages(site: DemoSite) -> list[dict[str, Any]]:
    """Every SMS the sandbox took, oldest first."""
    assert site.sandbox is not None
    return list(site.sandbox.state.messages.values())


def texted(site: DemoSite) -> list[str]:
    return [str(m["to"]) for m in messages(site)]


def phones_for(site: DemoSite, kind: PanicKind, home: int) -> set[str]:
    """Who the registry says must be texted for ``kind`` pressed at ``home``."""
    node = site.home(home).node_address
    return {v.phone for v in site.store.recipients_for(kind, (NETWORK_ID, node))}


async def result_of(home: Home, frame_type: FrameType, within: float = 30.0) -> SendResult:
    """The node's latest result for a frame of ``frame_type``, waiting for one."""

    def found() -> list[SendResult]:
        return [r for r in home.app.sender.results if r.frame_type == frame_type]

    await eventually(lambda: bool(found()), within)
    return found()[-1]


async def settle(site: DemoSite) -> None:
    """Every ACK and SMS the controller has started so far is done."""
    assert site.controller_app is not None and site.controller_app.controller is not None
    await asyncio.sleep(0.05)
    await asyncio.wait_for(site.controller_app.controller.settle(), 60)


async def restart_controller(site: DemoSite) -> ControllerApp:
    """Stop the block's controller and start a new one on the same data folder, board,
    radio module and sandbox, as ``sereno controller run`` would after a crash."""
    assert site.controller_app is not None and site.sandbox is not None
    await site.controller_app.close()
    site.controller_app = None
    port = site.workdir / "dev" / "controlador"  # the controller's emulated module
    app = ControllerApp(
        site._controller_config(),
        pin_factory=site.controller_factory,
        radio=Rylr998Driver(str(port), Rylr998Config(address=CONTROLLER_MODULE, sf=SF)),
        time_scale=site.seconds_scale,
        sms_settings=site.sandbox.settings(),
        sms_retry=site.sms_retry,
        listener=site._heard,
    )
    await app.start()
    site.controller_app = app
    return app
