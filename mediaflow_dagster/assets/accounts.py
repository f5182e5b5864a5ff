"""Social accounts as Make sees them: onboarding finished for authorized accounts, and every
account's connection tested so that an expired one gets nothing published until reconnected."""

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from mediaflow_dagster.assets.keys import OPS
from mediaflow_dagster.cms.accounts import (
    accounts_awaiting_setup,
    accounts_to_check,
    accounts_to_release,
    finish_setup,
    list_social_accounts,
    record_check,
    record_hook,
)
from mediaflow_dagster.cms.revocation import release_in_make
from mediaflow_dagster.resources.make_api import MAKE_FAILURES, MakeApi
from mediaflow_dagster.resources.ops_store import OpsStore
from mediaflow_dagster.tables import markdown_table


@asset(key_prefix=OPS, group_name="accounts", kinds={"make"})
def social_accounts(
    context: AssetExecutionContext,
    ops_store: OpsStore,
    make_api: MakeApi,
) -> MaterializeResult:
    """Authorized accounts get their webhook and their scenario (from the platform's blueprint,
    switched on); every set-up account's connection is tested: verified is active, anything else
    is expired with the reason, and an error talking to Make is kept as `error`; revoked accounts
    Make did not release yet (it was down when they were revoked) are released now. (Whether
    Make itself answers is the heartbeat's to say: `assets/heartbeats.py`.)"""
    engine = ops_store.engine
    for account in accounts_to_release(engine):
        released = release_in_make(engine, make_api, account)
        if released["finished"]:
            context.log.info(
                f"account {account['id']}: revocation finished in Make (scenario "
                f"{released['scenario']}, connection {released['connection']})"
            )
        else:
            context.log.warning(f"account {account['id']}: {released['error']}")
    for account in accounts_awaiting_setup(engine):
        try:
            if not make_api.connection_verified(account["make_connection_id"]):
                continue
            if account["make_hook_id"] is None:
                hook_id, url = make_api.create_hook(
                    f"mediaflow {account['platform']} {account['id']}"
                )
                record_hook(engine, account["id"], hook_id, url)
                account = {**account, "make_hook_id": hook_id}
            scenario_id = make_api.create_scenario(
                account["platform"], account["make_hook_id"], account["make_connection_id"]
            )
        except MAKE_FAILURES as error:
            context.log.warning(f"account {account['id']}: set-up not finished: {error}")
            continue
        finish_setup(engine, account["id"], scenario_id)
    for account in accounts_to_check(engine):
        try:
            verified = make_api.connection_verified(account["make_connection_id"])
        except MAKE_FAILURES as error:
            record_check(engine, account["id"], "error", f"testing the connection failed: {error}")
            continue
        if verified:
            record_check(engine, account["id"], "active", None)
        else:
            record_check(
                engine,
                account["id"],
                "expired",
                "the Make connection no longer verifies: reconnect the account",
            )
    accounts = [
        {key: account[key] for key in ("id", "platform", "name", "status", "status_reason")}
        for account in list_social_accounts(engine)
    ]
    return MaterializeResult(
        metadata={
            "accounts": MetadataValue.md(markdown_table(accounts)),
            "by_status": MetadataValue.json(
                {
                    status: sum(a["status"] == status for a in accounts)
                    for status in {a["status"] for a in accounts}
                }
            ),
        }
    )
