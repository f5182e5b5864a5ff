"""Encryption at rest of the accounts' platform tokens: Fernet under a list of keys
(`MultiFernet`). The first key encrypts; every key decrypts, so a new key is put first, the
stored tokens re-encrypted under it (`mediaflow credentials rotate`), and the old key dropped
afterwards, with no moment when a stored token cannot be read."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from pydantic import SecretStr

from mediaflow_dagster.settings import listed_values


class CredentialUnreadable(RuntimeError):
    """A stored token that none of the configured keys decrypts."""


class CredentialCipher:
    def __init__(self, keys: SecretStr | str) -> None:
        raw = keys.get_secret_value() if isinstance(keys, SecretStr) else keys
        listed = listed_values(raw)
        if not listed:
            raise ValueError("no credential key given")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in listed])
        except ValueError as error:
            raise ValueError(
                "a credential key is not a Fernet key (32 url-safe base64-encoded bytes: "
                "`mediaflow credentials new-key` prints one)"
            ) from error

    def encrypt(self, value: str) -> str:
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, value: str) -> str:
        try:
            return self._fernet.decrypt(value.encode()).decode()
        except InvalidToken as error:
            raise CredentialUnreadable(
                "a stored credential is encrypted under none of MEDIAFLOW_CREDENTIALS_KEYS"
            ) from error

    def reencrypt(self, value: str) -> str:
        """`value` under the first key (unchanged in meaning)."""
        try:
            return self._fernet.rotate(value.encode()).decode()
        except InvalidToken as error:
            raise CredentialUnreadable(
                "a stored credential is encrypted under none of MEDIAFLOW_CREDENTIALS_KEYS"
            ) from error


def new_key() -> str:
    return Fernet.generate_key().decode()
