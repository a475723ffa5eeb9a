"""What a running controller imports: the modules it does not need stay out of its memory."""

from __future__ import annotations

import asyncio
import asyncio.sslproto
import json
import random
import shutil
import ssl
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from controller.app import TLS_READ_BUFFER, limit_tls_read_buffers

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


# --- TLS read buffers ---------------------------------------------------------------------------


def test_limit_tls_read_buffers_lowers_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(asyncio.sslproto.SSLProtocol, "max_size", 256 * 1024)
    limit_tls_read_buffers()
    assert asyncio.sslproto.SSLProtocol.max_size == TLS_READ_BUFFER == 16 * 1024
    limit_tls_read_buffers(64 * 1024)
    assert asyncio.sslproto.SSLProtocol.max_size == TLS_READ_BUFFER


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


async def test_tls_answers_larger_than_the_buffer_arrive_whole(
    certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(asyncio.sslproto.SSLProtocol, "max_size", 256 * 1024)
    limit_tls_read_buffers()
    cert, key = certificate
    answer = random.Random(3).randbytes(300_000)  # many TLS records, many reads of 16 KiB

    async def big(request: web.Request) -> web.Response:
        return web.Response(body=answer + await request.read())

    app = web.Application()
    app.router.add_post("/", big)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=server_side).start()
    port = runner.addresses[0][1]
    client_side = ssl.create_default_context(cafile=str(cert))
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.post(f"https://127.0.0.1:{port}/", data=b"x" * 70_000, ssl=client_side) as got,
        ):
            body = await got.read()
    finally:
        await runner.cleanup()
    assert body == answer + b"x" * 70_000
