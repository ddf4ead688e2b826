"""Errors of the vision package that a user can fix (wrong path, corrupt or mismatched model file)."""

from __future__ import annotations


class ModelError(Exception):
    """A model folder, ONNX file or model card is missing, unreadable or does not match the other."""
