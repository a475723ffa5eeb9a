"""gpiozero wrappers for Sereno's physical outputs and inputs.

Every class takes its gpiozero pin factory as the keyword ``pin_factory`` (never the
global default), closes with :meth:`close` and works as a context manager.
"""

from hardware.gpio.battery import BatteryMonitor, code_to_millivolts, divider_ratio
from hardware.gpio.inputs import ButtonEvent, KeySwitch, KeySwitchEvent, PanicButton, panic_buttons
from hardware.gpio.outputs import Siren, StatusLed, Strobe
from hardware.gpio.patterns import (
    CONTINUOUS,
    MEDICAL_CHIRPS,
    PATTERNS,
    PULSED,
    STROBE_FLASH,
    TEMPORAL_THREE,
    Pattern,
)

__all__ = [
    "CONTINUOUS",
    "MEDICAL_CHIRPS",
    "PATTERNS",
    "PULSED",
    "STROBE_FLASH",
    "TEMPORAL_THREE",
    "BatteryMonitor",
    "ButtonEvent",
    "KeySwitch",
    "KeySwitchEvent",
    "PanicButton",
    "Pattern",
    "Siren",
    "StatusLed",
    "Strobe",
    "code_to_millivolts",
    "divider_ratio",
    "panic_buttons",
]
