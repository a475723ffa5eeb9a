"""A local control socket: ``sereno controller silence`` and ``status`` reach the running
controller through a Unix socket in its data folder (mode 0600: only its user may talk).

One JSON object per line each way: ``{"cmd": "silence"}`` → ``{"ok": true, ...}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from controller.errors import ControllerError

SOCKET_NAME = "control.sock"
MAX_REQUEST = 4096

Command = Callable[[], dict[str, Any]]


class ControlError(ControllerError, ConnectionError):
    """The running controller could not be reached or refused the command."""


class ControlServer:
    """Serves commands by name; each handler runs on the event loop and returns a dict."""

    def __init__(self, path: Path, commands: dict[str, Command]) -> None:
        self.path = path
        self.commands = commands
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._client, path=str(self.path))
        finally:
            os.umask(old)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), timeout=5.0)
            answer = self._answer(line[:MAX_REQUEST])
            writer.write(json.dumps(answer).encode() + b"\n")
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            name = request["cmd"]
        except (ValueError, KeyError, TypeError):
            return {"ok": False, "error": "solicitud inválida"}
        handler = self.commands.get(name) if isinstance(name, str) else None
        if handler is None:
            return {"ok": False, "error": f"comando desconocido: {name!r}"}
        return {"ok": True, **handler()}


async def send_command(path: Path, name: str, within: float = 5.0) -> dict[str, Any]:
    """Send one command to the controller listening at ``path``; its answer."""
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_unix_connection(str(path)), timeout=within
        )
    except (FileNotFoundError, ConnectionRefusedError, TimeoutError) as exc:
        raise ControlError(
            f"No encuentro un controlador en marcha ({path}); ¿está corriendo "
            "'sereno controller run' con este mismo controller.toml?"
        ) from exc
    try:
        writer.write(json.dumps({"cmd": name}).encode() + b"\n")
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout=within)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()
    try:
        answer: dict[str, Any] = json.loads(line)
    except ValueError as exc:
        raise ControlError("El controlador respondió algo ilegible") from exc
    if not answer.get("ok"):
        raise ControlError(f"El controlador rechazó el comando: {answer.get('error')}")
    return answer
