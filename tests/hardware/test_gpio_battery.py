"""Battery monitor: an MCP3008 emulated on MockFactory's SPI pins, and the conversion."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from gpiozero import Device
from gpiozero.pins.mock import MockFactory, MockSPIDevice

from hardware.gpio import BatteryMonitor, code_to_millivolts, divider_ratio
from hardware.pins import BOARD_DEFAULTS

VREF = 3.3


class FakeMcp3008(MockSPIDevice):  # type: ignore[misc]  # gpiozero ships no types
    """The slave side of an MCP3008 in single-ended mode (datasheet figure 6-1).

    After a start bit, the SGL/DIFF bit and three channel bits, it answers with 12 bits:
    the sample/null bits as 0, then the 10-bit code MSB first.
    """

    rx_buf: list[int]

    def __init__(self, factory: MockFactory, select_pin: int = 8) -> None:
        super().__init__(11, 10, 9, select_pin, pin_factory=factory)
        self.volts = [0.0] * 8
        self.requests: list[int] = []
        self._phase = "idle"

    def code(self, channel: int) -> int:
        return min(1023, max(0, int(self.volts[channel] * 1024 / VREF)))

    def on_start(self) -> None:
        super().on_start()
        self._phase = "idle"

    def on_bit(self) -> None:
        if self._phase == "idle":
            if self.rx_buf[-1]:
                self._phase = "mode"
        elif self._phase == "mode":
            assert self.rx_buf[-1], "the monitor must read single-ended"
            self._phase = "channel"
            self.rx_buf = []
        elif self._phase == "channel" and len(self.rx_buf) == 3:
            channel = self.rx_word()
            self.requests.append(channel)
            self.tx_word(self.code(channel), 12)
            self._phase = "answer"


@pytest.fixture
def spi_factory(mock_factory: MockFactory) -> Iterator[MockFactory]:
    """``mock_factory``, also installed as gpiozero's default for this test only.

    gpiozero 2.0.1's ``SPISoftwareBus`` calls ``Device.__init__()`` without the
    ``pin_factory`` it was given, so the software SPI that MockFactory provides looks up
    ``Device.pin_factory`` (and, when unset, tries the real factories and warns). gpiozero's
    own SPI tests install the mock there; so do we, and restore it afterwards. On a Pi the
    lgpio factory uses hardware SPI and never reaches that code.
    """
    saved = Device.pin_factory
    Device.pin_factory = mock_factory
    try:
        yield mock_factory
    finally:
        Device.pin_factory = saved


@pytest.fixture
def adc(spi_factory: MockFactory) -> Iterator[FakeMcp3008]:
    fake = FakeMcp3008(spi_factory)
    yield fake
    fake.close()


def test_reads_battery_millivolts_through_the_divider(
    mock_factory: MockFactory, adc: FakeMcp3008
) -> None:
    adc.volts[0] = 2.5  # a 12.2 V battery behind 39 kΩ / 10 kΩ
    ratio = divider_ratio(39_000, 10_000)
    with BatteryMonitor(0, pin_factory=mock_factory, ratio=ratio) as monitor:
        assert adc.code(0) == 775
        assert monitor.read_code() == 775
        assert monitor.read_millivolts() == 12238  # 775 · 3.3 / 1024 · 4.9 V
    assert adc.requests == [0] * 8  # 4 samples per reading, twice


def test_reads_the_configured_channel(mock_factory: MockFactory, adc: FakeMcp3008) -> None:
    adc.volts[0] = 3.0
    adc.volts[3] = 1.0
    with BatteryMonitor(3, pin_factory=mock_factory, ratio=1.0, samples=1) as monitor:
        assert monitor.read_millivolts() == 999  # code 310
    assert adc.requests == [3]


def test_full_scale_and_zero(mock_factory: MockFactory, adc: FakeMcp3008) -> None:
    with BatteryMonitor(0, pin_factory=mock_factory, ratio=4.9, samples=2) as monitor:
        adc.volts[0] = 5.0  # clamps at the ADC's top code
        assert monitor.read_code() == 1023
        assert monitor.read_millivolts() == code_to_millivolts(1023, vref=VREF, ratio=4.9)
        adc.volts[0] = 0.0
        assert monitor.read_millivolts() == 0


def test_from_pin_map_follows_pins_mcp3008(mock_factory: MockFactory, adc: FakeMcp3008) -> None:
    adc.volts[2] = 2.0
    pins = BOARD_DEFAULTS["pi4"]
    default = BatteryMonitor.from_pin_map(pins, pin_factory=mock_factory, ratio=4.9)
    assert default is not None
    default.close()
    without = pins.from_mapping({"mcp3008": False})
    assert BatteryMonitor.from_pin_map(without, pin_factory=mock_factory, ratio=4.9) is None
    on_two = pins.from_mapping({"mcp3008": {"channel": 2}})
    monitor = BatteryMonitor.from_pin_map(on_two, pin_factory=mock_factory, ratio=2.0)
    assert monitor is not None
    with monitor:
        assert monitor.ratio == 2.0
        assert monitor.read_millivolts() == code_to_millivolts(620, vref=VREF, ratio=2.0)


def test_chip_select_one_uses_gpio7(spi_factory: MockFactory) -> None:
    mock_factory = spi_factory
    fake = FakeMcp3008(mock_factory, select_pin=7)
    fake.volts[0] = 1.65
    try:
        with BatteryMonitor(0, pin_factory=mock_factory, ratio=1.0, device=1) as monitor:
            assert monitor.read_code() == 512
    finally:
        fake.close()


def test_conversion_follows_the_datasheet() -> None:
    assert divider_ratio(39_000, 10_000) == pytest.approx(4.9)
    assert divider_ratio(0, 10_000) == 1.0
    assert code_to_millivolts(512, vref=3.3, ratio=1.0) == 1650
    assert code_to_millivolts(1024, vref=3.3, ratio=4.9) == 16170
    assert code_to_millivolts(387.5, vref=3.3, ratio=4.9) == 6119  # averaged codes


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ratio": 0.5}, "divider ratio"),
        ({"ratio": 4.9, "vref": 0}, "vref"),
        ({"ratio": 4.9, "samples": 0}, "samples"),
    ],
)
def test_bad_settings_are_refused(
    mock_factory: MockFactory, kwargs: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        BatteryMonitor(0, pin_factory=mock_factory, **kwargs)  # type: ignore[arg-type]


def test_bad_divider_is_refused() -> None:
    with pytest.raises(ValueError, match="resistances"):
        divider_ratio(10_000, 0)
