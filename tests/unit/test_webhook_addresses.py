"""Which receivers' addresses mediaflow refuses before any connection is made."""

import pytest

from mediaflow_dagster.resources.webhooks import OutboundWebhooks

STRICT = OutboundWebhooks(webhook_signing_key="k")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/x",
        "hooks.example.com/no-scheme",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]:8080/hook",
        "https://192.168.0.10/hook",
        "http://0.0.0.0/hook",
    ],
)
def test_a_url_that_can_never_be_a_receiver_is_refused(url):
    assert STRICT.address_refusal(url)


@pytest.mark.parametrize("url", ["https://hooks.example.com/mediaflow", "https://8.8.8.8/hook"])
def test_a_public_name_or_address_may_be_a_receiver(url):
    assert STRICT.address_refusal(url) is None


def test_each_subscription_signs_with_its_own_standard_webhooks_secret():
    first, second = STRICT.secret_for(1), STRICT.secret_for(2)
    assert first.startswith("whsec_") and second.startswith("whsec_") and first != second
    assert STRICT.secret_for(1) == first
