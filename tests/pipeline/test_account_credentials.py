"""Each account read with its own credential against the sandbox's platforms: two accounts of one
platform with different tokens both land; an expired token, a revoked one, one without the
insights scope and a refresh the platform refuses each fail their account alone, with the reason,
marking it for reconnection, while the other accounts land; a token about to expire is refreshed
first and the new one stored encrypted."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from dagster import DagsterInstance, materialize
from sqlalchemy import select
from support.published import give_credential, publish_everywhere

from mediaflow_dagster.assets.insights import post_insight_snapshots
from mediaflow_dagster.cms import accounts
from mediaflow_dagster.cms.credential_cipher import CredentialCipher
from mediaflow_dagster.cms.credentials import (
    accounts_to_reconnect,
    credential_state,
    read_credentials,
    store_credential,
)
from mediaflow_dagster.cms.database import migrate, ops_engine
from mediaflow_dagster.cms.schema import account_credentials, publications
from mediaflow_dagster.definitions import build_resources
from mediaflow_dagster.settings import Settings
from mediaflow_sandbox.platforms import PostSeed

PUBLISHED_AT = datetime(2026, 11, 20, 8, 20, tzinfo=UTC)
READ_AT = datetime(2026, 11, 20, 10, 5, tzinfo=UTC)
PARTITION = "2026-11-20-09:00"
SECOND_PAGE = "104857600999999"


@pytest.fixture
def engine(aimed: Settings):
    engine = ops_engine(aimed.ops_database_url)
    migrate(engine)
    return engine


@pytest.fixture
def posts(engine, sandbox) -> list[dict]:
    sandbox.clear_faults()
    sandbox.set_clock(PUBLISHED_AT)
    return publish_everywhere(engine, sandbox, PUBLISHED_AT)


@pytest.fixture
def second_page(engine, sandbox, posts) -> dict:
    """A second Facebook page with a post of its own and its own page token."""
    account = accounts.create_social_account(
        engine,
        platform="facebook",
        name="Bistro Lyon",
        account_type="page",
        external_account_id=SECOND_PAGE,
        make_connection_id="conn-facebook-lyon",
    )
    [seeded] = sandbox.seed_posts(
        [
            PostSeed(
                platform="facebook",
                account_id=SECOND_PAGE,
                publication_id=100,
                published_at=PUBLISHED_AT,
            )
        ]
    )
    first = next(post for post in posts if post["platform"] == "facebook")
    with engine.begin() as connection:
        row = connection.execute(select(publications).where(publications.c.id == 1)).one()
        connection.execute(
            publications.insert().values(
                {
                    **row._asdict(),
                    "id": 100,
                    "social_account_id": account["id"],
                    "idempotency_key": "lyon-100",
                    "external_post_id": seeded["external_id"],
                    "external_url": seeded["external_url"],
                }
            )
        )
    token = give_credential(engine, sandbox, account["id"], "facebook", SECOND_PAGE)
    return {"account": account, "post": seeded, "first_post": first, "token": token}


def collect(aimed: Settings):
    resources = build_resources(aimed)
    return materialize(
        [post_insight_snapshots],
        partition_key=PARTITION,
        resources={key: resources[key] for key in ("ops_store", "platform_insights", "warehouse")},
        instance=DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def landed(aimed: Settings) -> dict[str, set[str]]:
    rows = build_resources(aimed, resolve_secrets=True)["warehouse"].query(
        "select platform, external_post_id from raw.post_insight_snapshots"
    )
    posts: dict[str, set[str]] = {}
    for platform, post in rows.itertuples(index=False):
        posts.setdefault(platform, set()).add(post)
    return posts


def failure_message(result) -> str:
    failure = next(event for event in result.all_events if event.event_type_value == "STEP_FAILURE")
    return failure.step_failure_data.error.message


def cipher() -> CredentialCipher:
    return CredentialCipher(os.environ["MEDIAFLOW_CREDENTIALS_KEYS"])


def account_of(engine, platform: str) -> int:
    return next(
        account["id"]
        for account in accounts.list_social_accounts(engine)
        if account["platform"] == platform
    )


def test_two_pages_of_one_platform_are_each_read_with_their_own_token(aimed, sandbox, second_page):
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert result.success
    assert landed(aimed)["facebook"] == {
        second_page["first_post"]["external_id"],
        second_page["post"]["external_id"],
    }
    assert accounts_to_reconnect(ops_engine(aimed.ops_database_url)) == []


def test_one_page_s_token_does_not_read_the_other_page(aimed, sandbox, engine, second_page):
    """Why each account needs its own token: with the first page's token, the second page's post
    is one the platform does not show (reported missing, not landed)."""
    first_token = read_credentials(engine, cipher())[("facebook", "104857600123456")]
    give_credential(engine, sandbox, second_page["account"]["id"], "facebook", "104857600123456")
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert result.success
    assert first_token.access_token
    assert landed(aimed)["facebook"] == {second_page["first_post"]["external_id"]}


def test_an_expired_token_fails_its_account_alone_and_marks_it_for_reconnection(
    aimed, sandbox, engine, second_page
):
    sandbox.expire_account_token(second_page["token"]["access_token"])
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert not result.success
    message = failure_message(result)
    assert f"account {SECOND_PAGE}" in message and "Session has expired" in message
    assert second_page["token"]["access_token"] not in message
    assert landed(aimed)["facebook"] == {second_page["first_post"]["external_id"]}
    assert set(landed(aimed)) == {"facebook", "instagram", "youtube", "linkedin", "tiktok", "x"}
    [marked] = accounts_to_reconnect(engine)
    assert marked["id"] == second_page["account"]["id"]
    assert "reconnect the account" in marked["reconnect_reason"]


def test_a_revoked_token_fails_its_account_alone(aimed, sandbox, engine, posts):
    x_account = account_of(engine, "x")
    token = give_credential(engine, sandbox, x_account, "x", "1500000000000000001")
    sandbox.revoke_account_token(token["access_token"])
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert "x: account 1500000000000000001: X API error 401" in failure_message(result)
    assert set(landed(aimed)) == {"facebook", "instagram", "youtube", "linkedin", "tiktok"}
    assert [account["id"] for account in accounts_to_reconnect(engine)] == [x_account]


def test_a_token_without_the_insights_scope_is_not_used_and_its_account_is_marked(
    aimed, sandbox, engine, posts
):
    tiktok = account_of(engine, "tiktok")
    give_credential(
        engine, sandbox, tiktok, "tiktok", "mediaflow.bistro", scopes=["user.info.basic"]
    )
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert "lacks the scope 'video.list'" in failure_message(result)
    assert "tiktok" not in landed(aimed)
    [marked] = accounts_to_reconnect(engine)
    assert marked["id"] == tiktok and "video.list" in marked["reconnect_reason"]


def test_a_token_the_platform_finds_without_the_scope_marks_the_account(
    aimed, sandbox, engine, posts
):
    """The stored scopes said yes, the platform says no (the owner narrowed the grant)."""
    linkedin = account_of(engine, "linkedin")
    token = sandbox.issue_account_token(
        "linkedin", "2414183", scopes=["r_liteprofile"], lifetime_seconds=None
    )
    store_credential(
        engine,
        cipher(),
        linkedin,
        access_token=token["access_token"],
        refresh_token=None,
        expires_at=None,
        scopes=["r_organization_social"],
    )
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert "ACCESS_DENIED" in failure_message(result)
    assert [account["id"] for account in accounts_to_reconnect(engine)] == [linkedin]
    assert "linkedin" not in landed(aimed)


def test_a_token_about_to_expire_is_refreshed_first_and_kept_encrypted(
    aimed, sandbox, engine, posts
):
    x_account = account_of(engine, "x")
    old = give_credential(
        engine, sandbox, x_account, "x", "1500000000000000001", lifetime_seconds=300
    )
    with engine.begin() as connection:
        before = connection.execute(select(account_credentials)).all()
    sandbox.set_clock(READ_AT - timedelta(minutes=3))

    result = collect(aimed)

    assert result.success
    assert "x" in landed(aimed)
    stored = read_credentials(engine, cipher())[("x", "1500000000000000001")]
    assert stored.access_token != old["access_token"]
    assert stored.refresh_token != old["refresh_token"]
    assert stored.expires_at > datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=30)
    assert credential_state(engine, x_account)["refreshed_at"] is not None
    with engine.begin() as connection:
        after = {
            row.social_account_id: row.access_token_encrypted
            for row in connection.execute(select(account_credentials))
        }
    assert stored.access_token not in after[x_account]
    assert len(before) == len(after)


def test_a_refresh_the_platform_refuses_fails_the_account_alone(aimed, sandbox, engine, posts):
    youtube = account_of(engine, "youtube")
    token = give_credential(engine, sandbox, youtube, "youtube", "UCmediaflow", lifetime_seconds=60)
    sandbox.revoke_refresh_token(token["access_token"])
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    message = failure_message(result)
    assert "youtube: account UCmediaflow" in message
    assert "refused to refresh the token (invalid_grant)" in message
    assert set(landed(aimed)) == {"facebook", "instagram", "linkedin", "tiktok", "x"}
    assert [account["id"] for account in accounts_to_reconnect(engine)] == [youtube]


def test_an_account_without_a_credential_fails_alone_naming_it(aimed, sandbox, engine, posts):
    instagram = account_of(engine, "instagram")
    with engine.begin() as connection:
        connection.execute(
            account_credentials.delete().where(account_credentials.c.social_account_id == instagram)
        )
    sandbox.set_clock(READ_AT)

    result = collect(aimed)

    assert "instagram: account 17841400000000001: no read credential" in failure_message(result)
    assert set(landed(aimed)) == {"facebook", "youtube", "linkedin", "tiktok", "x"}
