"""The accounts' read credentials in the ops store, on both backends: encrypted at rest, shown
without their tokens, re-encrypted under a new key with no moment unreadable, and imported from
the old single-token settings without overwriting a credential already entered."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from mediaflow_dagster.cms.accounts import create_social_account
from mediaflow_dagster.cms.credential_cipher import (
    CredentialCipher,
    CredentialUnreadable,
    new_key,
)
from mediaflow_dagster.cms.credentials import (
    credential_state,
    import_platform_tokens,
    mark_for_reconnection,
    read_credentials,
    reencrypt_credentials,
    store_credential,
)
from mediaflow_dagster.cms.errors import NotFound
from mediaflow_dagster.cms.schema import account_credentials

OLD_KEY, NEW_KEY = new_key(), new_key()


def page(engine, number: int) -> int:
    return create_social_account(
        engine,
        platform="facebook",
        name=f"Page {number}",
        account_type="page",
        external_account_id=f"10485760{number}",
        make_connection_id=f"conn-{number}",
    )["id"]


def stored_columns(engine) -> list[tuple[str, str | None]]:
    with engine.begin() as connection:
        return [
            (row.access_token_encrypted, row.refresh_token_encrypted)
            for row in connection.execute(select(account_credentials))
        ]


def test_tokens_are_encrypted_at_rest_and_shown_without_them(engine):
    account = page(engine, 1)

    shown = store_credential(
        engine,
        CredentialCipher(OLD_KEY),
        account,
        access_token="page-token-1",
        refresh_token="refresh-1",
        expires_at=datetime(2027, 1, 1),
        scopes=["read_insights", "pages_read_engagement"],
    )

    [(access, refresh)] = stored_columns(engine)
    assert "page-token-1" not in access and "refresh-1" not in (refresh or "")
    assert shown == {
        "expires_at": datetime(2027, 1, 1),
        "scopes": ["pages_read_engagement", "read_insights"],
        "reconnect_reason": None,
        "refreshed_at": None,
        "updated_at": shown["updated_at"],
        "refreshable": True,
    }
    credential = read_credentials(engine, CredentialCipher(OLD_KEY))[("facebook", "104857601")]
    assert (credential.access_token, credential.refresh_token) == ("page-token-1", "refresh-1")
    assert "page-token-1" not in repr(credential)


def test_a_new_credential_replaces_the_old_and_the_reconnection_it_waited_for(engine):
    account = page(engine, 1)
    cipher = CredentialCipher(OLD_KEY)
    store_credential(
        engine, cipher, account, access_token="a", refresh_token=None, expires_at=None, scopes=[]
    )
    mark_for_reconnection(engine, account, "the credential expired")

    store_credential(
        engine, cipher, account, access_token="b", refresh_token=None, expires_at=None, scopes=[]
    )

    assert credential_state(engine, account)["reconnect_reason"] is None
    assert read_credentials(engine, cipher)[("facebook", "104857601")].access_token == "b"


def test_a_credential_for_an_unknown_account_is_refused(engine):
    with pytest.raises(NotFound):
        store_credential(
            engine,
            CredentialCipher(OLD_KEY),
            999,
            access_token="a",
            refresh_token=None,
            expires_at=None,
            scopes=[],
        )


def test_rotation_reencrypts_under_the_new_key_and_the_old_key_can_then_go(engine):
    first, second = page(engine, 1), page(engine, 2)
    for account, token in ((first, "token-1"), (second, "token-2")):
        store_credential(
            engine,
            CredentialCipher(OLD_KEY),
            account,
            access_token=token,
            refresh_token="refresh" if account == first else None,
            expires_at=None,
            scopes=["read_insights"],
        )
    both = CredentialCipher(f"{NEW_KEY},{OLD_KEY}")
    assert len(read_credentials(engine, both)) == 2

    assert reencrypt_credentials(engine, both) == 2

    after = read_credentials(engine, CredentialCipher(NEW_KEY))
    assert {key: value.access_token for key, value in after.items()} == {
        ("facebook", "104857601"): "token-1",
        ("facebook", "104857602"): "token-2",
    }
    with pytest.raises(CredentialUnreadable):
        read_credentials(engine, CredentialCipher(OLD_KEY))


def test_the_import_gives_each_account_its_platform_s_token_and_keeps_entered_ones(engine):
    entered, bare = page(engine, 1), page(engine, 2)
    other = create_social_account(
        engine,
        platform="x",
        name="X",
        account_type="profile",
        external_account_id="15",
        make_connection_id="conn-x",
    )["id"]
    cipher = CredentialCipher(OLD_KEY)
    store_credential(
        engine,
        cipher,
        entered,
        access_token="own",
        refresh_token=None,
        expires_at=None,
        scopes=["read_insights"],
    )

    imported = import_platform_tokens(
        engine, cipher, {"facebook": "shared"}, {"facebook": ("read_insights",)}
    )

    assert imported == [{"id": bare, "platform": "facebook"}]
    tokens = {key: value.access_token for key, value in read_credentials(engine, cipher).items()}
    assert tokens == {("facebook", "104857601"): "own", ("facebook", "104857602"): "shared"}
    assert credential_state(engine, other) is None
    assert import_platform_tokens(engine, cipher, {"facebook": "shared"}, {}) == []


def test_a_key_that_is_not_a_fernet_key_is_refused_naming_the_fix():
    with pytest.raises(ValueError, match="credentials new-key"):
        CredentialCipher("not-a-key")
