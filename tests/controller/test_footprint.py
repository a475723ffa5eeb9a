"""What a running controller imports: the modules it does not need stay out of its memory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

NOT_LOADED = (
    "phonenumbers",  # about 1 MB; only adding a vecino (or [sms] from_number) needs it
    "twilio.rest.api",  # about 7 MB; MessagesEndpoint sends without it (docs/sms.md)
)

PROBE = """
import json, sys
import controller.app, sereno.controller_run
print(json.dumps(sorted(m for m in sys.modules if m.startswith(tuple(sys.argv[1:])))))
"""


def test_running_a_controller_loads_neither_phonenumbers_nor_twilios_resources() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *NOT_LOADED],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert json.loads(done.stdout) == []


def test_the_probe_would_see_them() -> None:
    """The same probe, after using what needs them, finds them (so the test above can fail)."""
    probe = PROBE.replace(
        "import controller.app, sereno.controller_run",
        "import controller.app\n"
        "from controller.sms import normalize_phone\n"
        "from twilio.rest import Client\n"
        "normalize_phone('+56 9 8765 4321')\n"
        "Client('AC' + '0' * 32, 'x').messages",
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *NOT_LOADED],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stdout)
    assert "phonenumbers" in loaded and "twilio.rest.api" in loaded
