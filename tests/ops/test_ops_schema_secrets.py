"""mediaflow never keeps a platform's OAuth tokens: Make holds them, the ops store keeps ids."""

import re

from mediaflow_dagster.cms.schema import metadata

SECRET_LIKE = re.compile(r"token|secret|password|oauth|credential|refresh|access", re.IGNORECASE)
OWN_HASHES = {
    ("publications", "callback_token_hash"),
    ("publications", "callback_token_used_at"),
    ("api_keys", "secret_hash"),
    ("audit_log", "credential"),
}


def test_no_column_of_the_ops_store_can_hold_an_oauth_token():
    secret_like = {
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if SECRET_LIKE.search(column.name)
    }

    # mediaflow's own secrets, as hashes: the single-use callback token (and its use time), the
    # API keys; the audit log names a credential by its public part (a key's prefix, a token's
    # subject)
    assert secret_like == OWN_HASHES


def test_accounts_keep_only_make_ids_and_urls():
    columns = {column.name for column in metadata.tables["social_accounts"].columns}

    assert {"make_connection_id", "make_scenario_id", "make_hook_id", "make_webhook_url"} <= columns
