"""The controller's own health, for the heartbeat it sends the hub.

Everything here is read when asked and never fails: a figure that cannot be read is
``None`` (the hub shows "desconocido").

- uptime: seconds since this :class:`Health` was made (when ``sereno controller run`` started);
- disk: free MB where the store lives (:func:`shutil.disk_usage`);
- temperature: the SoC's, ``/sys/class/thermal/thermal_zone0/temp`` (millidegrees);
- power: ``/sys/class/power_supply`` when a UPS board or charger exposes one (mains or
  USB online → ``ac``; a battery discharging → ``battery``, with its ``voltage_now``),
  else what ``[hub] power`` in ``controller.toml`` declares (``unknown`` by default);
- radio noise: when the radio driver offers a ``noise_dbm()`` (neither RYLR998 nor E220
  report one today).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final

from protocol.payloads import AlarmState
from protocol.report import MAX_VERSION, Heartbeat

log = logging.getLogger(__name__)

SYS: Final = Path("/sys")
POWER_SOURCES: Final = ("ac", "battery", "unknown")


def software_version() -> str:
    try:
        found = version("sereno")
    except PackageNotFoundError:  # pragma: no cover - a tree that was never installed
        found = "0.0.0+unknown"
    return found[:MAX_VERSION]


def alarm_state_name(state: AlarmState) -> str:
    """``AlarmState.SILENT_ALERT`` → ``"silent_alert"`` (the report's spelling)."""
    return state.name.lower()


class Health:
    """Reads the figures of a :class:`~protocol.report.Heartbeat` (see the module doc)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        power: str = "unknown",
        sys_root: Path = SYS,
        monotonic: Callable[[], float] = time.monotonic,
        radio_noise: Callable[[], int | None] | None = None,
    ) -> None:
        if power not in POWER_SOURCES:
            raise ValueError(f"power must be one of {POWER_SOURCES}, not {power!r}")
        self.data_dir = data_dir
        self.power = power
        self.sys_root = sys_root
        self._monotonic = monotonic
        self._started = monotonic()
        self._radio_noise = radio_noise
        self.version = software_version()

    def heartbeat(
        self,
        *,
        alarm_state: AlarmState,
        open_episodes: int,
        outbox_pending: int,
        outbox_dropped: int,
    ) -> Heartbeat:
        power, battery_mv = self.power_status()
        return Heartbeat(
            uptime_s=min(int(self._monotonic() - self._started), 2**31 - 1),
            software_version=self.version,
            power=power,
            battery_mv=battery_mv,
            radio_noise_dbm=self.radio_noise_dbm(),
            disk_free_mb=self.disk_free_mb(),
            temperature_c=self.temperature_c(),
            alarm_state=alarm_state_name(alarm_state),
            open_episodes=min(open_episodes, 100),
            outbox_pending=min(outbox_pending, 2**31 - 1),
            outbox_dropped=min(outbox_dropped, 2**31 - 1),
        )

    def disk_free_mb(self) -> int | None:
        folder = self.data_dir
        while not folder.exists() and folder != folder.parent:
            folder = folder.parent
        try:
            return min(shutil.disk_usage(folder).free // (1024 * 1024), 2**31 - 1)
        except OSError:
            return None

    def temperature_c(self) -> float | None:
        millis = _read_int(self.sys_root / "class" / "thermal" / "thermal_zone0" / "temp")
        if millis is None or not -100_000 <= millis <= 200_000:
            return None
        return round(millis / 1000, 1)

    def power_status(self) -> tuple[str, int | None]:
        """(``ac`` | ``battery`` | ``unknown``, battery millivolts or None)."""
        supplies = self.sys_root / "class" / "power_supply"
        mains = False
        discharging = False
        battery_mv: int | None = None
        try:
            entries = sorted(supplies.iterdir()) if supplies.is_dir() else []
        except OSError:
            entries = []
        for entry in entries:
            kind = _read_text(entry / "type")
            if kind in ("Mains", "USB", "UPS") and _read_int(entry / "online") == 1:
                mains = True
            elif kind == "Battery":
                discharging = discharging or _read_text(entry / "status") == "Discharging"
                microvolts = _read_int(entry / "voltage_now")
                if microvolts is not None and 0 <= microvolts // 1000 <= 0xFFFF:
                    battery_mv = microvolts // 1000
        if mains:
            return "ac", battery_mv
        if discharging:
            return "battery", battery_mv
        return self.power, battery_mv

    def radio_noise_dbm(self) -> int | None:
        if self._radio_noise is None:
            return None
        try:
            noise = self._radio_noise()
        except Exception:  # a driver's figure must never stop a heartbeat
            log.exception("reading the radio noise failed")
            return None
        return noise if noise is not None and -200 <= noise <= 0 else None


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None


def _read_int(path: Path) -> int | None:
    text = _read_text(path)
    try:
        return None if text is None else int(text)
    except ValueError:
        return None
