"""The MCU firmware (MicroPython, in the subset that also runs under CPython so the simulator runs it as is)."""
