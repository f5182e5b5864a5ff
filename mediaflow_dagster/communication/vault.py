"""Personal data at rest: each personal field sealed with Fernet (AES-128-CBC + HMAC-SHA256)
under the newest of the configured keys, opened with any of them (`MultiFernet`), so that keys
rotate without downtime: add the new key first, re-seal (`mediaflow contacts rotate-keys`), then
drop the old one.

Beside the sealed values: a contact's pseudonym, the only id the warehouse sees, and the blind
index of an address (a keyed hash of its normal form), by which the ops store finds a contact or
a suppression without keeping the address in the clear. Both are HMAC-SHA256 under a key of
their own: without it nobody can go from an address or a contact id to them.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

__all__ = ["InvalidToken", "Vault"]


class Vault:
    def __init__(self, encryption_keys: str, pseudonym_key: str) -> None:
        keys = [key for key in encryption_keys.replace(",", " ").split() if key]
        if not keys:
            raise ValueError("at least one encryption key is needed")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as error:
            raise ValueError(
                "each encryption key must be a Fernet key (32 url-safe base64 bytes)"
            ) from error
        self._pseudonym_key = pseudonym_key.encode()

    def seal(self, value: str | None) -> str | None:
        if value is None:
            return None
        return self._fernet.encrypt(value.encode()).decode()

    def open(self, sealed: str | None) -> str | None:
        if sealed is None:
            return None
        return self._fernet.decrypt(sealed.encode()).decode()

    def reseal(self, sealed: str | None) -> str | None:
        """`sealed` under the newest key (the same value)."""
        if sealed is None:
            return None
        return self._fernet.rotate(sealed.encode()).decode()

    def pseudonym(self, contact_id: int) -> str:
        return self._keyed(f"contact:{contact_id}")

    def address_index(self, channel: str, address: str | None) -> str | None:
        """The blind index of an email address (case-folded) or an E.164 phone number."""
        if address is None:
            return None
        normal = address.strip().casefold() if channel == "email" else address.strip()
        return self._keyed(f"{channel}:{normal}")

    def _keyed(self, text: str) -> str:
        return hmac.new(self._pseudonym_key, text.encode(), hashlib.sha256).hexdigest()
