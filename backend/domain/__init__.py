"""Shared domain code: GS1 barcodes and money, imported by the app, the unit and the backend.

Pure functions and dataclasses, no I/O. Import the submodules directly:
``from backend.domain.gs1 import parse_scanned`` and ``from backend.domain.money import Money``.
"""
