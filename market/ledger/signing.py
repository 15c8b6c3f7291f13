"""The hub's Ed25519 key, which signs closures so that the books cannot be rewritten by
whoever can only write to the database.

The private key lives outside the database: in a PEM file named by
MARKET_LEDGER_SIGNING_KEY_FILE, or in MARKET_LEDGER_SIGNING_KEY itself; `flask --app market
ledger keygen` makes one. Its public key is published at /ledger/key. Verify trusts the
public key of the configured private key and any listed in MARKET_LEDGER_PUBLIC_KEYS (hex;
the hub's earlier keys, or the key alone where an auditor verifies without the private one).
"""

from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from flask import current_app
from flask_babel import lazy_gettext as _l

from market.ledger.errors import LedgerError


class SigningKeyMissing(LedgerError):
    status = 503

    def __init__(self):
        super().__init__(
            _l(
                "The ledger's signing key is missing: create it with « flask "
                "--app market ledger keygen » and name its file in "
                "MARKET_LEDGER_SIGNING_KEY_FILE."
            )
        )


def new_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def configured_pem() -> bytes | None:
    config = current_app.config
    if config.get("LEDGER_SIGNING_KEY"):
        return config["LEDGER_SIGNING_KEY"].encode()
    path = config.get("LEDGER_SIGNING_KEY_FILE")
    if path and Path(path).is_file():
        return Path(path).read_bytes()
    return None


def load_private_key(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("the ledger signing key must be an Ed25519 key")
    return key


def private_key() -> Ed25519PrivateKey | None:
    pem = configured_pem()
    return load_private_key(pem) if pem is not None else None


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def trusted_public_keys() -> list[Ed25519PublicKey]:
    keys = []
    signing = private_key()
    if signing is not None:
        keys.append(signing.public_key())
    for text in (current_app.config.get("LEDGER_PUBLIC_KEYS") or "").replace(",", " ").split():
        try:
            keys.append(Ed25519PublicKey.from_public_bytes(bytes.fromhex(text)))
        except ValueError as error:
            raise ValueError(
                f"MARKET_LEDGER_PUBLIC_KEYS: {text!r} is not an Ed25519 public key in hex"
            ) from error
    return keys


def sign(hash_hex: str) -> str:
    """The hub's signature of a closure hash (hex), or SigningKeyMissing."""
    key = private_key()
    if key is None:
        raise SigningKeyMissing()
    return key.sign(bytes.fromhex(hash_hex)).hex()


def signature_valid(key: Ed25519PublicKey, hash_hex: str, signature_hex: str) -> bool:
    try:
        key.verify(bytes.fromhex(signature_hex), bytes.fromhex(hash_hex))
    except (InvalidSignature, ValueError):
        return False
    return True
