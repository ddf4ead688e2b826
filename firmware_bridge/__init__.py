"""firmware_bridge: everything about talking to weighing hardware (our MCU's link, MT-SICS balances), nothing
about baskets.

Start with :func:`open_scale` (a pyserial URL in, a :class:`Scale` out) and :class:`Reading`. The link
protocol to the MCU is in ``firmware_bridge/PROTOCOL.md``; the firmware in ``firmware_bridge/firmware/``.
"""

from firmware_bridge.reading import Reading
from firmware_bridge.scale import Scale, ScaleError, ScaleInfo, default_calibration_path, open_scale

__all__ = ["Reading", "Scale", "ScaleError", "ScaleInfo", "default_calibration_path", "open_scale"]
