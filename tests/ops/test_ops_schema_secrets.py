"""The only platform tokens mediaflow keeps are the accounts' read credentials, encrypted (Make
holds the publishing tokens: the ops store keeps its ids)."""

import re

from mediaflow_dagster.cms.schema import metadata

SECRET_LIKE = re.compile(r"token|secret|password|oauth|credential|refresh|access", re.IGNORECASE)
OWN_HASHES = {
    ("publications", "callback_token_hash"),
    ("publications", "callback_token_used_at"),
    ("api_keys", "secret_hash"),
    ("audit_log", "credential"),
}
ENCRYPTED = {
    ("account_credentials", "access_token_encrypted"),
    ("account_credentials", "refresh_token_encrypted"),
    ("account_credentials", "refreshed_at"),
}


def test_no_column_of_the_ops_store_holds_a_token_in_clear():
    secret_like = {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if SECRET_LIKE.search(column.name)
    }

    # mediaflow's own secrets, as hashes: the single-use callback token (and its use time), the
    # API keys; the audit log names a credential by its public part (a key's prefix, a token's
    # subject); the accounts' read tokens encrypted (their test: tests/ops/test_credentials.py)
    assert secret_like == OWN_HASHES | ENCRYPTED


def test_accounts_keep_only_make_ids_and_urls():
    columns = {column.name for column in metadata.tables["social_accounts"].columns}

    assert {"make_connection_id", "make_scenario_id", "make_hook_id", "make_webhook_url"} <= columns
