"""Social accounts: registered with their Make wiring, or onboarded through Make's OAuth, kept,
revoked. The wiring (Make's ids and the webhook URL mediaflow posts to) is for admins only."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from sqlalchemy import Connection

from mediaflow_dagster.api.bodies import JsonRoute
from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import (
    AccountCredential,
    AccountCredentialIn,
    AccountWiring,
    Authorized,
    Onboarding,
    OnboardingIn,
    Page,
    SocialAccount,
    SocialAccountIn,
)
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import (
    ANY_REQUEST,
    Cursor,
    Limit,
    PathId,
    protected_router,
)
from mediaflow_dagster.api.security import Principal, connection, require, transaction
from mediaflow_dagster.cms import accounts, credentials
from mediaflow_dagster.resources.http import OutcomeUnknown, ServiceUnavailable
from mediaflow_dagster.resources.make_api import MakeRefused

TAGS = ["social accounts"]
router = protected_router(prefix="/api/social-accounts", tags=TAGS)
landing = APIRouter(prefix="/api/social-accounts", tags=TAGS, route_class=JsonRoute)
WIRING = tuple(AccountWiring.model_fields)
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Reader = require("accounts:read")
Admin = require("accounts:admin")


def shown(account: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The account as `principal` may see it: its wiring only for admins."""
    admin = "accounts:admin" in principal.scopes
    return {**account, "wiring": {name: account[name] for name in WIRING} if admin else None}


def authorization(api: ApiContext, store: Connection, account: dict[str, Any]) -> str:
    """Where the agent authorizes the account's Make connection; Make sends the browser back
    to the landing with a state signed for this account, the only one it then waits for."""
    state, state_id = api.landing_state(account["id"])
    accounts.await_authorization(store, account["id"], state_id)
    landing_url = (
        f"{api.settings.public_api_url.rstrip('/')}/api/social-accounts/{account['id']}"
        f"/connected?state={state}"
    )
    return api.make_api.authorization_url(account["make_connection_id"], landing_url)


@router.get("", response_model=Page[SocialAccount])
def list_social_accounts(
    store: Store,
    principal: Reader,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    rows, next_cursor = accounts.social_accounts_page(store, cursor, limit)
    return {"items": [shown(row, principal) for row in rows], "next_cursor": next_cursor}


@router.get("/{account_id}", response_model=SocialAccount, responses=documented(404))
def get_social_account(account_id: PathId, store: Store, principal: Reader) -> dict[str, Any]:
    return shown(accounts.get_social_account(store, account_id), principal)


@router.post("", status_code=201, response_model=SocialAccount, responses=documented(409))
def create_social_account(
    account: SocialAccountIn,
    response: Response,
    store: Store,
    api: Api,
    principal: Admin,
) -> dict[str, Any]:
    """Register an account already wired in Make; mediaflow will post its publications to
    `make_webhook_url`, which must be on one of Make's webhook origins."""
    webhook_url = str(account.make_webhook_url)
    refusal = api.hook_refusal(webhook_url)
    if refusal:
        raise field_refused("make_webhook_url", refusal, webhook_url)
    fields = account.model_dump() | {"make_webhook_url": webhook_url}
    created = accounts.create_social_account(store, **fields)
    response.headers["location"] = f"/api/social-accounts/{created['id']}"
    return shown(created, principal)


@router.post("/onboard", status_code=201, response_model=Onboarding, responses=documented(409, 502))
def onboard_social_account(
    wanted: OnboardingIn,
    response: Response,
    store: Store,
    api: Api,
    principal: Admin,
) -> dict[str, Any]:
    """Ask Make for a connection; the agent authorizes it at the returned URL, after which
    onboarding finishes on its own (webhook, scenario from the platform's blueprint)."""
    try:
        connection_id = api.make_api.create_connection(wanted.platform, wanted.name)
    except (MakeRefused, ServiceUnavailable, OutcomeUnknown) as error:
        raise HTTPException(502, f"Make did not create the connection: {error}") from error
    account = accounts.create_social_account(
        store, **wanted.model_dump(), make_connection_id=connection_id, status="pending"
    )
    response.headers["location"] = f"/api/social-accounts/{account['id']}"
    return {
        "account": shown(account, principal),
        "authorize_url": authorization(api, store, account),
    }


@router.post("/{account_id}/reconnect", response_model=Onboarding, responses=documented(404, 409))
def reconnect_social_account(
    account_id: PathId, store: Store, api: Api, principal: Admin
) -> dict[str, Any]:
    """A new authorize URL for an expired, errored, revoked (or active) account; its id and
    history stay."""
    account = accounts.begin_reconnect(store, account_id)
    return {
        "account": shown(account, principal),
        "authorize_url": authorization(api, store, account),
    }


@router.post("/{account_id}/revoke", response_model=SocialAccount, responses=documented(404))
def revoke_social_account(account_id: PathId, store: Store, principal: Admin) -> dict[str, Any]:
    """Withdraw the account from mediaflow: nothing is published to it anywhere."""
    return shown(accounts.revoke_account(store, account_id), principal)


@router.put("/{account_id}/credential", response_model=AccountCredential, responses=documented(404))
def put_account_credential(
    account_id: PathId, credential: AccountCredentialIn, store: Store, api: Api, principal: Admin
) -> dict[str, Any]:
    """The account's own token for reading its insights (a page token, a user-context token,
    with its refresh token where the platform gives one), replacing any before it and a
    reconnection it waited for. Stored encrypted; no answer ever shows it."""
    return credentials.store_credential(
        store,
        api.cipher,
        account_id,
        access_token=credential.access_token,
        refresh_token=credential.refresh_token,
        expires_at=credential.expires_at,
        scopes=credential.scopes,
    )


@router.get("/{account_id}/credential", response_model=AccountCredential, responses=documented(404))
def get_account_credential(account_id: PathId, store: Store, principal: Admin) -> dict[str, Any]:
    """The credential's expiry, scopes and whether the account must be reconnected."""
    accounts.get_social_account(store, account_id)
    state = credentials.credential_state(store, account_id)
    if state is None:
        raise HTTPException(404, f"social account {account_id} has no read credential")
    return state


@landing.get(
    "/{account_id}/connected",
    response_model=Authorized,
    responses=documented(*ANY_REQUEST, 403),
)
def account_connected(
    account_id: PathId,
    state: Annotated[str, Query(min_length=1, max_length=2000)],
    request: Request,
    store: Store,
    api: Api,
) -> dict[str, Any]:
    """Where Make sends the agent's browser once access is granted. It needs no credential but
    the `state` mediaflow signed for this account when it made the authorize URL: good once,
    for a few minutes; without it nothing changes."""
    state_id = api.landing_state_id(state, account_id)
    if state_id is None or not accounts.finish_authorization(store, account_id, state_id):
        raise HTTPException(
            403,
            "this landing's state is not one mediaflow signed for the "
            "account, or it expired, or it was used",
        )
    transaction(request).audited = ("make-oauth-landing", f"oauth-state:{state_id}")
    return {"status": "authorized", "account_id": account_id}
