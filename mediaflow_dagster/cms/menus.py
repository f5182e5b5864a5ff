"""Menus and their versions: each write renders every platform's document and keeps it with the
version; a version whose documents look like the last visible one's changes nothing anywhere.

A visible version waits to be synchronised: the `menu_sync` runs make its Facebook and
Instagram post a campaign object of the menu's campaign, approved (the publication pipeline
does the rest), serve its website feed and Google document from then on, and ask for the
`menu_update` notification when the menu is configured to notify. Each platform's status is
read from there: `pending`, `published` (with the post id once Make's callback says so) or
`refused` (with the reason)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, and_, insert, select, update

from mediaflow_dagster.cms import notifications
from mediaflow_dagster.cms.campaigns import (
    active_targets,
    approve_object,
    content_fingerprint,
    create_object,
    get_campaign,
    move_object,
)
from mediaflow_dagster.cms.database import Bind, page, transaction, utcnow
from mediaflow_dagster.cms.errors import Invalid, NotFound, StaleVersion
from mediaflow_dagster.cms.generation import replace_renditions
from mediaflow_dagster.cms.schema import menu_versions, menus, publications, social_accounts
from mediaflow_dagster.cms.webhooks import emit
from mediaflow_dagster.communication.menu_formats import UnshowableItem, render
from mediaflow_dagster.communication.menus import POSTED_PLATFORMS, Menu

MENU_APPROVER = "menu synchronisation"
PUBLISHED_STATES = ("published",)
REFUSED_STATES = ("blocked", "failed")


def create_menu(
    connection: Connection,
    *,
    menu: Menu,
    campaign_id: int,
    platforms: list[str],
    notify: dict[str, Any] | None,
    actor: str,
) -> dict[str, Any]:
    _check_campaign(connection, campaign_id)
    now = utcnow()
    menu_id = connection.execute(
        insert(menus).values(
            name=menu.name,
            campaign_id=campaign_id,
            platforms=platforms,
            notify=notify,
            version=1,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
    ).inserted_primary_key[0]
    _add_version(connection, menu_id, 1, menu, campaign_id, platforms, actor)
    return get_menu(connection, menu_id)


def replace_menu(
    connection: Connection,
    menu_id: int,
    expected_version: int,
    *,
    menu: Menu,
    campaign_id: int,
    platforms: list[str],
    notify: dict[str, Any] | None,
    actor: str,
) -> dict[str, Any]:
    """The menu's next version, if it is still at `expected_version` (else `StaleVersion`)."""
    current = _menu_row(connection, menu_id)
    _check_campaign(connection, campaign_id)
    changed = connection.execute(
        update(menus)
        .where(menus.c.id == menu_id, menus.c.version == expected_version)
        .values(
            name=menu.name,
            campaign_id=campaign_id,
            platforms=platforms,
            notify=notify,
            version=expected_version + 1,
            updated_at=utcnow(),
        )
    ).rowcount
    if not changed:
        raise StaleVersion(
            f"menu {menu_id} changed since version {expected_version}: it is at version "
            f"{current['version']}; read it again"
        )
    _add_version(connection, menu_id, expected_version + 1, menu, campaign_id, platforms, actor)
    return get_menu(connection, menu_id)


def _check_campaign(connection: Connection, campaign_id: int) -> None:
    try:
        get_campaign(connection, campaign_id)
    except NotFound as missing:
        raise Invalid("campaign_id", str(missing)) from missing


def _add_version(
    connection: Connection,
    menu_id: int,
    version: int,
    menu: Menu,
    campaign_id: int,
    platforms: list[str],
    actor: str,
) -> None:
    try:
        rendering = render(menu, platforms)
    except UnshowableItem as unshowable:
        raise Invalid(f"menu.{unshowable.field}", str(unshowable)) from unshowable
    last_visible = connection.execute(
        select(menu_versions.c.fingerprint)
        .where(menu_versions.c.menu_id == menu_id, menu_versions.c.visible_change.is_(True))
        .order_by(menu_versions.c.version.desc())
        .limit(1)
    ).scalar()
    visible = rendering.fingerprint != last_visible
    connection.execute(
        insert(menu_versions).values(
            menu_id=menu_id,
            version=version,
            campaign_id=campaign_id,
            menu=menu.model_dump(mode="json"),
            documents=rendering.documents,
            refusals=rendering.refusals,
            left_out=rendering.left_out,
            fingerprint=rendering.fingerprint,
            visible_change=visible,
            sync_state="waiting" if visible else "unchanged",
            created_by=actor,
            created_at=utcnow(),
        )
    )


def _menu_row(bind: Bind, menu_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(select(menus).where(menus.c.id == menu_id)).first()
    if row is None:
        raise NotFound(f"menu {menu_id} does not exist")
    return dict(row._mapping)


def get_menu(bind: Bind, menu_id: int) -> dict[str, Any]:
    """The menu at its latest version, with the synchronisation of the latest version that
    is going out or went out."""
    row = _menu_row(bind, menu_id)
    latest = menu_version(bind, menu_id, row["version"])
    with transaction(bind) as connection:
        shown = connection.execute(
            select(menu_versions)
            .where(
                menu_versions.c.menu_id == menu_id,
                menu_versions.c.sync_state.in_(("waiting", "synced")),
            )
            .order_by(menu_versions.c.version.desc())
            .limit(1)
        ).first()
    return {
        **row,
        "menu": latest["menu"],
        "visible_change": latest["visible_change"],
        "sync": version_sync(bind, dict(shown._mapping)),
    }


def list_menus(
    bind: Bind, after: int | None, limit: int
) -> tuple[list[dict[str, Any]], int | None]:
    rows, next_cursor = page(bind, select(menus.c.id), menus.c.id, after, limit)
    return [get_menu(bind, row["id"]) for row in rows], next_cursor


def menu_version(bind: Bind, menu_id: int, version: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(menu_versions).where(
                menu_versions.c.menu_id == menu_id, menu_versions.c.version == version
            )
        ).first()
    if row is None:
        raise NotFound(f"menu {menu_id} has no version {version}")
    return dict(row._mapping)


def version_sync(bind: Bind, version: dict[str, Any]) -> dict[str, Any]:
    """A visible version's synchronisation: its state and each of its platforms' status."""
    menu = _menu_row(bind, version["menu_id"])
    posts = _posts(bind, version["object_id"]) if version["object_id"] else {}
    statuses = []
    for platform in menu["platforms"]:
        status = {"platform": platform, "status": "pending", "external_post_id": None}
        status["reason"] = version["refusals"].get(platform)
        status["left_out"] = version["left_out"].get(platform, [])
        if status["reason"]:
            status["status"] = "refused"
        elif version["sync_state"] == "superseded":
            status["status"] = "superseded"
        elif platform in POSTED_PLATFORMS:
            status |= posts.get(platform, {})
        elif version["sync_state"] == "synced":
            status["status"] = "published"
        statuses.append(status)
    return {
        "version": version["version"],
        "state": version["sync_state"],
        "synced_at": version["synced_at"],
        "object_id": version["object_id"],
        "notification_request_id": version["notification_request_id"],
        "platforms": statuses,
    }


def _posts(bind: Bind, object_id: int) -> dict[str, dict[str, Any]]:
    """Each platform's post of the object, as its publication stands."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(
                social_accounts.c.platform,
                publications.c.status,
                publications.c.external_post_id,
                publications.c.external_url,
                publications.c.error,
            )
            .join(social_accounts, social_accounts.c.id == publications.c.social_account_id)
            .where(publications.c.object_id == object_id)
            .order_by(publications.c.id)
        )
        found: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row.status in PUBLISHED_STATES:
                status = {"status": "published", "external_post_id": row.external_post_id}
            elif row.status in REFUSED_STATES:
                status = {"status": "refused", "reason": row.error}
            else:
                status = {"status": "pending"}
            found.setdefault(row.platform, status)
        return found


def served_document(bind: Bind, menu_id: int, platform: str) -> dict[str, Any]:
    """The platform's document of the menu's latest synchronised version."""
    _menu_row(bind, menu_id)
    with transaction(bind) as connection:
        row = connection.execute(
            select(menu_versions.c.documents, menu_versions.c.refusals)
            .where(menu_versions.c.menu_id == menu_id, menu_versions.c.sync_state == "synced")
            .order_by(menu_versions.c.version.desc())
            .limit(1)
        ).first()
    if row is None or platform not in row.documents or platform in row.refusals:
        raise NotFound(f"menu {menu_id} has no {platform} document synchronised yet")
    return row.documents[platform]


def waiting_versions_after(engine: Engine, version_id: int, limit: int) -> list[dict[str, Any]]:
    """Visible versions waiting to be synchronised, past the cursor `version_id`."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(menu_versions.c.id, menu_versions.c.campaign_id)
            .where(menu_versions.c.sync_state == "waiting", menu_versions.c.id > version_id)
            .order_by(menu_versions.c.id)
            .limit(limit)
        )
        return [dict(row._mapping) for row in rows]


def synchronise_campaign_menus(engine: Engine, campaign_id: int) -> list[dict[str, Any]]:
    """Every waiting version of the campaign's menus synchronised, each once: the newest of a
    menu, unless it looks like the version the platforms show now (a change undone before it
    went out: `unchanged`); older ones it supersedes are not published. What happened to
    each."""
    with engine.connect() as connection:
        waiting = connection.execute(
            select(
                menu_versions.c.id,
                menu_versions.c.menu_id,
                menu_versions.c.version,
                menu_versions.c.fingerprint,
            )
            .where(
                menu_versions.c.campaign_id == campaign_id,
                menu_versions.c.sync_state == "waiting",
            )
            .order_by(menu_versions.c.id)
        ).all()
    newest = {row.menu_id: row.id for row in waiting}
    outcomes = []
    for row in waiting:
        with engine.begin() as connection:
            state = "synced" if newest[row.menu_id] == row.id else "superseded"
            if state == "synced" and row.fingerprint == _out_there(connection, row.menu_id):
                state = "unchanged"
            claimed = connection.execute(
                update(menu_versions)
                .where(and_(menu_versions.c.id == row.id, menu_versions.c.sync_state == "waiting"))
                .values(
                    sync_state=state,
                    synced_at=utcnow() if state == "synced" else None,
                    visible_change=state != "unchanged",
                )
            ).rowcount
            if claimed and state == "synced":
                _synchronise(connection, row.id)
        outcomes.append(
            {
                "menu": row.menu_id,
                "version": row.version,
                "outcome": state if claimed else "taken by another run",
            }
        )
    return outcomes


def _out_there(connection: Connection, menu_id: int) -> str | None:
    """The fingerprint of the menu's version the platforms show now."""
    return connection.execute(
        select(menu_versions.c.fingerprint)
        .where(menu_versions.c.menu_id == menu_id, menu_versions.c.sync_state == "synced")
        .order_by(menu_versions.c.version.desc())
        .limit(1)
    ).scalar()


def _synchronise(connection: Connection, version_id: int) -> None:
    version = dict(
        connection.execute(select(menu_versions).where(menu_versions.c.id == version_id))
        .first()
        ._mapping
    )
    menu_row = _menu_row(connection, version["menu_id"])
    refusals = dict(version["refusals"])
    targeted = {
        account["platform"] for account in active_targets(connection, version["campaign_id"])
    }
    posted = []
    for platform in POSTED_PLATFORMS:
        if platform not in menu_row["platforms"] or platform in refusals:
            continue
        if platform in targeted:
            posted.append(platform)
        else:
            refusals[platform] = f"the menu's campaign targets no active {platform} account"
    object_id = _approved_post(connection, version, posted) if posted else None
    request_id = _notification(connection, version, menu_row["notify"])
    connection.execute(
        update(menu_versions)
        .where(menu_versions.c.id == version_id)
        .values(refusals=refusals, object_id=object_id, notification_request_id=request_id)
    )
    emit(
        connection,
        "menu_synced",
        {
            "menu_id": version["menu_id"],
            "version": version["version"],
            "platforms": menu_row["platforms"],
            "refused": refusals,
        },
    )


def _approved_post(connection: Connection, version: dict[str, Any], platforms: list[str]) -> int:
    """The version's post as an approved campaign object: its Facebook text, its Instagram
    caption as the Instagram rendition, the menu's photo as its media."""
    menu = Menu.model_validate(version["menu"])
    facebook = version["documents"].get("facebook") or version["documents"]["instagram"]
    created = create_object(
        connection,
        campaign_id=version["campaign_id"],
        object_type="image" if menu.image else "text",
        title=f"{menu.name} (menu, version {version['version']})"[:200],
        sources=[],
        config={"menu_id": version["menu_id"], "menu_version": version["version"]},
    )
    media = (
        {
            "media_url": str(menu.image.url),
            "media_mime_type": menu.image.mime_type,
            "media_bytes": menu.image.bytes,
            "media_width": menu.image.width,
            "media_height": menu.image.height,
        }
        if menu.image
        else {}
    )
    text = facebook.get("message", facebook.get("caption"))
    move_object(
        connection,
        created["id"],
        "ready",
        {
            **media,
            "content_text": text,
            "hashtags": facebook["hashtags"],
            "ready_at": utcnow(),
            "content_hash": content_fingerprint(
                json.dumps(version["documents"], sort_keys=True, ensure_ascii=False),
                facebook["hashtags"],
                media.get("media_url"),
                media.get("media_bytes"),
            ),
        },
    )
    replace_renditions(
        connection,
        created,
        [
            {
                "platform": platform,
                "content_text": document.get("message", document.get("caption")),
                "hashtags": document["hashtags"],
            }
            for platform in platforms
            for document in [version["documents"][platform]]
        ],
    )
    approve_object(connection, created["id"], MENU_APPROVER)
    return created["id"]


def _notification(
    connection: Connection, version: dict[str, Any], notify: dict[str, Any] | None
) -> int | None:
    if not notify:
        return None
    menu = Menu.model_validate(version["menu"])
    request = notifications.create_request(
        connection,
        requested_by=MENU_APPROVER,
        template="menu_update",
        audience={"segment": notify["segment"]},
        data=notification_data(menu),
        channels=notify["channels"],
        all_channels=False,
        send_at=None,
        best_hour=False,
        campaign_id=version["campaign_id"],
    )
    return request["id"]


def notification_data(menu: Menu) -> dict[str, Any]:
    """What the `menu_update` template reads: the menu and its items (the price without its
    currency sign, which the template writes)."""
    return {
        "menu": {
            "name": menu.name,
            "type": menu.type,
            "valid_from": menu.valid_from.isoformat(),
            "valid_until": menu.valid_until.isoformat() if menu.valid_until else None,
            "url": str(menu.website_url) if menu.website_url else None,
        },
        "menu_items": [
            {
                "name": item.name,
                "price": f"{item.price:.2f}".replace(".", ","),
                **({"description": item.description} if item.description else {}),
            }
            for category in menu.categories
            for item in category.items
        ],
    }
