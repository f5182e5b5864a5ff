"""The sandbox's access log keeps out the credentials that arrive in an address: the SMS
provider's account id is part of its routes, and the dependency heartbeat fetches that account."""

from __future__ import annotations

from pathlib import Path

from mediaflow_dagster.resources.sms import SmsProvider
from mediaflow_sandbox.control import client_environment, running_sandbox
from mediaflow_sandbox.processes import free_local_ports
from mediaflow_sandbox.settings import SandboxSettings


def test_the_sms_account_check_leaves_no_account_id_in_the_sandbox_log(tmp_path: Path) -> None:
    port, tls_port = free_local_ports(2)
    settings = SandboxSettings(home=tmp_path / "sandbox", port=port, tls_port=tls_port)
    environment = client_environment(settings)
    log = tmp_path / "sandbox.log"
    account_id = environment["MEDIAFLOW_SMS_ACCOUNT_SID"]
    with running_sandbox(settings, log_path=log):
        SmsProvider(
            sms_api_url=environment["MEDIAFLOW_SMS_API_URL"],
            sms_account_sid=account_id,
            sms_auth_token=environment["MEDIAFLOW_SMS_AUTH_TOKEN"],
        ).check()
    written = log.read_text()
    assert "/2010-04-01/Accounts/***.json" in written
    assert account_id not in written
