"""A ledger's signing key (Ed25519): made at `init`, kept in `_settings` (the ledger file is its owner's
only), never exported. The ledger's uid is derived from the public key, so a bundle that claims a
uid proves it by its signature; the key also blinds what a pseudonymous bundle must not reveal.

A ledger made before huidesk signed its bundles gets a key at its next `init` or `bundle`; if it has
never made a bundle, its uid becomes the one its key derives (no street knows the old one), otherwise
it keeps the uid its street knows and the street pins the key of its first signed bundle.
"""

import hashlib
import hmac
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

if TYPE_CHECKING:
    from huidesk.ledger.store import Store
    from huidesk.ledger.tx import Tx

KEY_SETTING = "ledger_key"


def derived_uid(public_hex: str) -> str:
    """The uid a public key stands for: 32 hex digits of its SHA-256."""
    return hashlib.sha256(bytes.fromhex(public_hex)).hexdigest()[:32]


class Signer:
    """This ledger's private key, as the bundle writer uses it."""

    def __init__(self, private_hex: str) -> None:
        self._key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        self.public_hex = self._key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
        # A second secret for blinding, derived so that it reveals nothing of the signing key.
        self._blind = hashlib.sha256(b"huidesk-blind\n" + bytes.fromhex(private_hex)).digest()

    def sign(self, message: bytes) -> str:
        return self._key.sign(message).hex()

    def blind(self, digest: str) -> str:
        """A keyed digest of `digest`: the same value every time, which nobody without the key can
        compute from a guessed record (a pseudonymous bundle's journal lines)."""
        return hmac.new(self._blind, digest.encode(), hashlib.sha256).hexdigest()


def verified(public_hex: str, signature_hex: str, message: bytes) -> bool:
    """Whether `signature_hex` is the signature of `message` by the key `public_hex`."""
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex))
        key.verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def signer(store: "Store", tx: "Tx") -> Signer:
    """This ledger's signer, its key made (and journaled in `tx`) now if it has none."""
    row = store.read.one("SELECT value FROM _settings WHERE key = ?", (KEY_SETTING,))
    if row is not None:
        return Signer(row[0])
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    private_hex = Ed25519PrivateKey.generate().private_bytes(
        Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()
    tx.insert("_settings", {"key": KEY_SETTING, "value": private_hex})
    made = Signer(private_hex)
    uid = store.read.one("SELECT id, value FROM _settings WHERE key = 'ledger_uid'")
    bundled = store.read.one("SELECT 1 FROM _bundles_made LIMIT 1")
    if uid is None:
        tx.insert("_settings", {"key": "ledger_uid", "value": derived_uid(made.public_hex)})
    elif bundled is None and uid[1] != derived_uid(made.public_hex):
        tx.update("_settings", uid[0], {"value": derived_uid(made.public_hex)})
    return made
