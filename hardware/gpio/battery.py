"""Battery voltage through a resistor divider into an MCP3008 channel.

The MCP3008 gives a 10-bit code with ``code = 1024 · Vin / Vref`` (datasheet, section 6);
the divider scales the battery down by ``ratio = (R_top + R_bottom) / R_bottom``. Reading
is a short synchronous SPI transfer: from asyncio call it through ``asyncio.to_thread``.
"""

from __future__ import annotations

import math
from types import TracebackType
from typing import Final, Self

from gpiozero import MCP3008, Factory, GPIOZeroError

from hardware.errors import HardwareError
from hardware.gpio._device import opening
from hardware.pins import PinMap

ADC_STEPS: Final = 1024
"""The MCP3008 is 10-bit: codes 0..1023."""

DEFAULT_VREF: Final = 3.3


def divider_ratio(top_ohms: float, bottom_ohms: float) -> float:
    """Battery volts per ADC volt for a divider ``battery─R_top─┬─R_bottom─GND``."""
    if not (top_ohms >= 0 and bottom_ohms > 0):
        raise ValueError("resistances must be >= 0 (top) and > 0 (bottom) ohms")
    return (top_ohms + bottom_ohms) / bottom_ohms


def code_to_millivolts(code: float, *, vref: float, ratio: float) -> int:
    """Battery millivolts for a (possibly averaged) MCP3008 code."""
    return round(code * vref / ADC_STEPS * ratio * 1000)


class BatteryMonitor:
    """Reads the battery's millivolts from one MCP3008 channel.

    ``ratio`` is the divider's :func:`divider_ratio` (e.g. 39 kΩ over 10 kΩ: 4.9, which
    maps 15 V to 3.06 V). ``samples`` readings are averaged to tame noise.
    """

    def __init__(
        self,
        channel: int = 0,
        *,
        pin_factory: Factory,
        ratio: float,
        vref: float = DEFAULT_VREF,
        port: int = 0,
        device: int = 0,
        samples: int = 4,
    ) -> None:
        if not (math.isfinite(ratio) and ratio >= 1):
            raise ValueError(f"divider ratio must be >= 1, not {ratio!r}")
        if not (math.isfinite(vref) and vref > 0):
            raise ValueError(f"vref must be > 0 volts, not {vref!r}")
        if samples < 1:
            raise ValueError(f"samples must be >= 1, not {samples!r}")
        self._ratio = ratio
        self._vref = vref
        self._samples = samples
        with opening(f"MCP3008 channel {channel}", f"SPI{port}.{device}"):
            self._adc = MCP3008(
                channel=channel, max_voltage=vref, port=port, device=device, pin_factory=pin_factory
            )

    @classmethod
    def from_pin_map(
        cls,
        pins: PinMap,
        *,
        pin_factory: Factory,
        ratio: float,
        vref: float = DEFAULT_VREF,
    ) -> BatteryMonitor | None:
        """The monitor ``pins.mcp3008`` describes, or ``None`` when there is no ADC."""
        spi = pins.mcp3008
        if spi is None:
            return None
        return cls(
            spi.channel,
            pin_factory=pin_factory,
            ratio=ratio,
            vref=vref,
            port=spi.bus,
            device=spi.device,
        )

    @property
    def ratio(self) -> float:
        return self._ratio

    def read_code(self) -> float:
        """The averaged raw ADC code (0..1023)."""
        try:
            codes = [int(self._adc.raw_value) for _ in range(self._samples)]
        except GPIOZeroError as exc:
            raise HardwareError(f"cannot read the MCP3008: {exc}") from exc
        return sum(codes) / len(codes)

    def read_millivolts(self) -> int:
        """The battery's voltage in millivolts."""
        return code_to_millivolts(self.read_code(), vref=self._vref, ratio=self._ratio)

    def close(self) -> None:
        self._adc.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
