"""Ed25519 signatures of validation units: their HTTP requests and their verdict documents.

A unit holds its private key; the backend stores only the public key, so a leaked database cannot forge
verdicts. Requests carry ``X-Unit-Id``, ``X-Unit-Timestamp`` (Unix seconds) and ``X-Unit-Signature`` over
``METHOD\\nPATH\\nTIMESTAMP\\nSHA256(BODY)``. Verdict documents are signed over their canonical JSON
(sorted keys, no spaces), so the stored document can be verified again later.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

HEADER_UNIT = "X-Unit-Id"
HEADER_TIMESTAMP = "X-Unit-Timestamp"
HEADER_SIGNATURE = "X-Unit-Signature"


class SignatureError(ValueError):
    """A signature that does not verify, or a key that cannot be read."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str, what: str) -> bytes:
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise SignatureError(f"{what} is not valid base64") from None


@dataclass(frozen=True)
class UnitKeys:
    private_key: str  # base64 of the raw 32-byte Ed25519 private key
    public_key: str  # base64 of the raw 32-byte public key


def generate_keys() -> UnitKeys:
    from cryptography.hazmat.primitives import serialization

    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return UnitKeys(b64(raw_private), b64(raw_public))


def load_private(private_key: str) -> Ed25519PrivateKey:
    raw = unb64(private_key, "private key")
    if len(raw) != 32:
        raise SignatureError("an Ed25519 private key is 32 bytes")
    return Ed25519PrivateKey.from_private_bytes(raw)


def load_public(public_key: str) -> Ed25519PublicKey:
    raw = unb64(public_key, "public key")
    if len(raw) != 32:
        raise SignatureError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def canonical_json(document: Any) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def request_message(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    return f"{method.upper()}\n{path}\n{timestamp}\n{hashlib.sha256(body).hexdigest()}".encode()


def sign(private_key: str, message: bytes) -> str:
    return b64(load_private(private_key).sign(message))


def verify(public_key: str, message: bytes, signature: str) -> None:
    try:
        load_public(public_key).verify(unb64(signature, "signature"), message)
    except InvalidSignature:
        raise SignatureError("the signature does not match") from None


def request_headers(unit_id: str, private_key: str, method: str, path: str, body: bytes, now: float) -> dict[str, str]:
    """The headers a unit adds to a request to the backend."""
    timestamp = f"{now:.3f}"
    return {
        HEADER_UNIT: unit_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(private_key, request_message(method, path, timestamp, body)),
    }


def sign_document(private_key: str, document: dict[str, Any]) -> str:
    return sign(private_key, canonical_json(document))


def verify_document(public_key: str, document: dict[str, Any], signature: str) -> None:
    verify(public_key, canonical_json(document), signature)
