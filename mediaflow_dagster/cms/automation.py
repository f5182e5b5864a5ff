"""Automation rules: data, edited through the API, that turn the other modules' events (kept in
the callback inbox by `POST /api/communication/webhook`) into actions.

Each event type has its action: a featured recipe is posted (the plat du jour), a new promotion
notifies its segment, an item low on stock pauses the promotion it is for, slow-moving dishes get
a discovery campaign. A rule acts on the events that arrive while it is enabled, each once: what
it did is kept under (event, rule) in the transaction of the action itself. An event no enabled
rule handles stays in the inbox untouched; one every rule of its type acted on is marked
processed. A rule that refers to something missing (a campaign,
an account, a template) is refused when it is saved; if what it refers to goes later, the action
is recorded as failed, with why, and the event is not tried again.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mediaflow_dagster.cms import actions, menus
from mediaflow_dagster.cms.campaigns import create_campaign, get_campaign
from mediaflow_dagster.cms.database import (
    Bind,
    insert_ignoring_duplicates,
    page,
    transaction,
    utcnow,
)
from mediaflow_dagster.cms.errors import Conflict, Invalid, NotFound
from mediaflow_dagster.cms.publish import PublishRequest, check_publishable
from mediaflow_dagster.cms.schema import (
    automation_actions,
    automation_rules,
    callback_inbox,
    social_accounts,
)
from mediaflow_dagster.communication.menus import Menu

ACTION_OF_EVENT = {
    "recipe.featured": "post",
    "promotion.created": "notify",
    "stock.low": "pause",
    "sales.slow_moving": "create_campaign",
    "menu.changed": "replace_menu",
}
"""The action each module event type can take (the data each needs is in the event)."""
RULE_ACTOR = "automation:rule"
RULE_FIELDS = ("name", "description", "event_type", "action", "config", "enabled")


def get_rule(bind: Bind, rule_id: int) -> dict[str, Any]:
    with transaction(bind) as connection:
        row = connection.execute(
            select(automation_rules).where(automation_rules.c.id == rule_id)
        ).first()
    if row is None:
        raise NotFound(f"automation rule {rule_id} does not exist")
    return dict(row._mapping)


def rules_page(bind: Bind, after: int | None, limit: int) -> tuple[list[dict], int | None]:
    return page(bind, select(automation_rules), automation_rules.c.id, after, limit)


def create_rule(connection: Connection, rule: dict[str, Any], actor: str) -> dict[str, Any]:
    check_rule(connection, rule)
    now = utcnow()
    try:
        with connection.begin_nested():
            rule_id = connection.execute(
                insert(automation_rules).values(
                    **rule,
                    enabled_at=now if rule["enabled"] else None,
                    checked_through=0,
                    version=1,
                    updated_by=actor,
                    created_at=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
    except IntegrityError as error:
        raise Conflict(f"an automation rule is named {rule['name']!r} already") from error
    return get_rule(connection, rule_id)


def update_rule(
    connection: Connection, rule_id: int, changes: dict[str, Any], actor: str
) -> dict[str, Any]:
    """The rule with `changes`, checked whole; enabling it again starts from now (events that
    arrived while it was disabled are not acted on)."""
    current = get_rule(connection, rule_id)
    rule = {key: changes.get(key, current[key]) for key in RULE_FIELDS}
    check_rule(connection, rule)
    now = utcnow()
    enabled_at = current["enabled_at"]
    if rule["enabled"] and not current["enabled"]:
        enabled_at = now
    try:
        with connection.begin_nested():
            connection.execute(
                update(automation_rules)
                .where(automation_rules.c.id == rule_id)
                .values(
                    **rule,
                    enabled_at=enabled_at,
                    version=current["version"] + 1,
                    updated_by=actor,
                    updated_at=now,
                )
            )
    except IntegrityError as error:
        raise Conflict(f"an automation rule is named {rule['name']!r} already") from error
    return get_rule(connection, rule_id)


def delete_rule(connection: Connection, rule_id: int) -> None:
    get_rule(connection, rule_id)
    connection.execute(delete(automation_rules).where(automation_rules.c.id == rule_id))


def check_rule(connection: Connection, rule: dict[str, Any]) -> None:
    """`Invalid`, naming the field, when the rule's action does not fit its event type or
    refers to something missing; a disabled rule may still lack its campaign."""
    expected = ACTION_OF_EVENT[rule["event_type"]]
    if rule["action"] != expected:
        raise Invalid(
            "action", f"a {rule['event_type']} event can take {expected}, not {rule['action']}"
        )
    config = rule["config"]
    try:
        if rule["action"] == "post":
            _check_post(connection, config, rule["enabled"])
        elif rule["action"] == "notify":
            sample = _offer(config, SAMPLE_PROMOTION)
            actions.check_template(connection, config["template"], sample)
        elif rule["action"] == "pause":
            for item, campaign_id in config["campaigns_by_item"].items():
                _must_exist(connection, campaign_id, f"campaigns_by_item.{item}")
        elif rule["action"] == "replace_menu":
            menus.get_menu(connection, config["menu_id"])
        else:
            _check_accounts(connection, config["social_account_ids"])
    except NotFound as missing:
        raise Invalid("config", str(missing)) from missing
    except Invalid as refusal:
        raise Invalid(f"config.{refusal.field}", str(refusal)) from refusal


def _check_post(connection: Connection, config: dict[str, Any], enabled: bool) -> None:
    if config["campaign_id"] is None:
        if enabled:
            raise Invalid("campaign_id", "name the campaign the posts are published in")
        return
    _must_exist(connection, config["campaign_id"], "campaign_id")
    sample = _plat_du_jour(config, SAMPLE_RECIPE)
    check_publishable(connection, sample)


def _must_exist(connection: Connection, campaign_id: int, field: str) -> None:
    try:
        get_campaign(connection, campaign_id)
    except NotFound as missing:
        raise Invalid(field, str(missing)) from missing


def _check_accounts(connection: Connection, account_ids: list[int]) -> None:
    known = set(
        connection.execute(
            select(social_accounts.c.id).where(social_accounts.c.id.in_(account_ids))
        ).scalars()
    )
    missing = sorted(set(account_ids) - known)
    if missing:
        raise Invalid("social_account_ids", f"social accounts {missing} do not exist")


SAMPLE_RECIPE = {
    "name": "Blanquette de veau",
    "description": "Mijotée à l'ancienne, riz pilaf.",
    "price": "18.50",
    "image": {
        "url": "https://images.levieuxmoulin.example/blanquette.jpg",
        "mime_type": "image/jpeg",
        "bytes": 245_000,
        "width": 1080,
        "height": 1080,
    },
}
SAMPLE_PROMOTION = {
    "title": "Menu du marché",
    "message": "Entrée, plat, dessert à prix doux.",
    "ends_on": "2026-12-31",
    "discount_percent": 15,
}


def _plat_du_jour(config: dict[str, Any], recipe: dict[str, Any]) -> PublishRequest:
    price = f"\n{Decimal(recipe['price']):.2f} €" if recipe.get("price") is not None else ""
    return PublishRequest(
        campaign_id=config["campaign_id"],
        title=f"Plat du jour : {recipe['name']}",
        body=f"Plat du jour : {recipe['name']}. {recipe.get('description') or ''}".strip() + price,
        media=[recipe["image"]] if recipe.get("image") else [],
        hashtags=config["hashtags"],
        platforms=config["platforms"],
    )


def _offer(config: dict[str, Any], promotion: dict[str, Any]) -> dict[str, Any]:
    return {
        "offer": {
            "title": promotion["title"],
            "description": promotion["message"],
            "url": config["offer_url"],
            "valid_until": promotion["ends_on"],
            "discount_percent": promotion["discount_percent"],
        }
    }


def pending_events(bind: Bind, limit: int) -> list[dict[str, Any]]:
    """(event, rule) pairs to act on, oldest event first: module events that arrived while an
    enabled rule of their type was enabled, not yet acted on by that rule. Only the inbox past
    each rule's `checked_through` is read: the whole inbox is never scanned."""
    acted = exists().where(
        automation_actions.c.inbox_id == callback_inbox.c.id,
        automation_actions.c.rule_id == automation_rules.c.id,
    )
    query = (
        select(
            callback_inbox.c.id.label("inbox_id"),
            callback_inbox.c.event_id,
            automation_rules.c.id.label("rule_id"),
        )
        .join(
            automation_rules,
            and_(
                callback_inbox.c.id > automation_rules.c.checked_through,
                automation_rules.c.event_type == callback_inbox.c.event_type,
                automation_rules.c.enabled.is_(True),
                callback_inbox.c.received_at >= automation_rules.c.enabled_at,
            ),
        )
        .where(callback_inbox.c.status == "received", ~acted)
        .order_by(callback_inbox.c.id, automation_rules.c.id)
        .limit(limit)
    )
    with transaction(bind) as connection:
        return [dict(row._mapping) for row in connection.execute(query)]


def settle_events(engine: Engine, inbox_ids: list[int], now: datetime) -> int:
    """Mark processed the events among `inbox_ids` every enabled rule of their type has acted
    on (done, skipped or failed), as the inbox's other callbacks are once applied: they leave
    the inbox's depth. How many."""
    if not inbox_ids:
        return 0
    acted = exists().where(
        automation_actions.c.inbox_id == callback_inbox.c.id,
        automation_actions.c.rule_id == automation_rules.c.id,
    )
    waiting_rule = exists().where(
        automation_rules.c.event_type == callback_inbox.c.event_type,
        automation_rules.c.enabled.is_(True),
        automation_rules.c.enabled_at <= callback_inbox.c.received_at,
        ~acted,
    )
    with engine.begin() as connection:
        return connection.execute(
            update(callback_inbox)
            .where(
                callback_inbox.c.id.in_(sorted(set(inbox_ids))),
                callback_inbox.c.status == "received",
                ~waiting_rule,
            )
            .values(status="processed", processed_at=now)
        ).rowcount


SETTLED_AFTER = timedelta(minutes=5)
"""How long after its arrival an event is surely committed (the intake commits within
milliseconds): events older than that are all visible to a run."""


def advance_checked(engine: Engine, now: datetime) -> None:
    """Once a run acted on every pending pair it read, the enabled rules need not read again
    the events that had surely arrived before that read (`SETTLED_AFTER`)."""
    with engine.begin() as connection:
        low = connection.execute(
            select(func.min(automation_rules.c.checked_through)).where(
                automation_rules.c.enabled.is_(True)
            )
        ).scalar()
        if low is None:
            return
        settled = connection.execute(
            select(func.max(callback_inbox.c.id)).where(
                callback_inbox.c.id > low, callback_inbox.c.received_at < now - SETTLED_AFTER
            )
        ).scalar()
        if settled is None:
            return
        connection.execute(
            update(automation_rules)
            .where(
                automation_rules.c.enabled.is_(True),
                automation_rules.c.checked_through < settled,
            )
            .values(checked_through=settled)
        )


def act(engine: Engine, inbox_id: int, rule_id: int, now: datetime) -> dict[str, Any] | None:
    """The rule's action on the event, once: what was kept of it, or None when another run had
    acted first. A refused action is kept as failed with the reason."""
    try:
        rule = get_rule(engine, rule_id)
    except NotFound:
        return None  # deleted since it was read
    with engine.connect() as connection:
        payload = connection.execute(
            select(callback_inbox.c.payload).where(callback_inbox.c.id == inbox_id)
        ).scalar_one()
    kept = {
        "inbox_id": inbox_id,
        "rule_id": rule_id,
        "rule_name": rule["name"],
        "action": rule["action"],
        "acted_at": now,
    }
    try:
        with engine.begin() as connection:
            if not _record(connection, {**kept, "outcome": "done"}):
                return None
            outcome, detail = _take(connection, rule, payload, now)
            connection.execute(
                update(automation_actions)
                .where(
                    automation_actions.c.inbox_id == inbox_id,
                    automation_actions.c.rule_id == rule_id,
                )
                .values(outcome=outcome, detail=detail)
            )
            return {**kept, "outcome": outcome, "detail": detail}
    except (Invalid, NotFound, Conflict) as refusal:
        failed = {**kept, "outcome": "failed", "detail": str(refusal)}
        with engine.begin() as connection:
            return failed if _record(connection, failed) else None


def _record(connection: Connection, kept: dict[str, Any]) -> bool:
    inserted = connection.execute(
        insert_ignoring_duplicates(connection, automation_actions).values(**kept)
    ).rowcount
    return inserted == 1


def _take(
    connection: Connection, rule: dict[str, Any], event: dict[str, Any], now: datetime
) -> tuple[str, str]:
    config = rule["config"]
    if rule["action"] == "post":
        if config["campaign_id"] is None:
            raise Invalid("campaign_id", "the rule names no campaign to publish in")
        return "done", actions.post(connection, _plat_du_jour(config, event), RULE_ACTOR)
    if rule["action"] == "notify":
        detail = actions.notify(
            connection,
            template=config["template"],
            segment=event["segment"],
            data=_offer(config, event),
            channels=config["channels"],
            campaign_id=None,
            actor=RULE_ACTOR,
        )
        return "done", detail
    if rule["action"] == "pause":
        if Decimal(event["quantity"]) >= Decimal(event["threshold"]):
            return "skipped", f"{event['item_id']} is not below its threshold"
        campaign_id = config["campaigns_by_item"].get(event["item_id"])
        if campaign_id is None:
            return "skipped", f"no promotion is related to item {event['item_id']}"
        return "done", actions.pause(connection, campaign_id)
    if rule["action"] == "replace_menu":
        return "done", _next_menu_version(connection, config["menu_id"], event["menu"])
    return "done", _discovery_campaign(connection, config, event, now)


def _next_menu_version(connection: Connection, menu_id: int, changed: dict[str, Any]) -> str:
    """The module's menu as the menu's next version, keeping its campaign, platforms and
    notification; a menu no platform can show is refused as through the API."""
    current = menus.get_menu(connection, menu_id)
    try:
        menu = Menu.model_validate(changed)
    except ValidationError as error:
        raise Invalid(
            "menu", f"the event's menu is not valid: {error.errors()[0]['msg']}"
        ) from error
    replaced = menus.replace_menu(
        connection,
        menu_id,
        current["version"],
        menu=menu,
        campaign_id=current["campaign_id"],
        platforms=current["platforms"],
        notify=current["notify"],
        actor=RULE_ACTOR,
    )
    return f"menu {menu_id} version {replaced['version']}"


def _discovery_campaign(
    connection: Connection, config: dict[str, Any], event: dict[str, Any], now: datetime
) -> str:
    start = now.date() + timedelta(days=config["starts_after_days"])
    end = start + timedelta(days=config["duration_days"] - 1)
    dishes = [dish["name"] for dish in event["dishes"]]
    discount = config["discount_percent"]
    created = create_campaign(
        connection,
        name=config["name"],
        description=f"-{discount} % sur nos découvertes : {', '.join(dishes)}",
        topics=[name[:100] for name in dishes[:50]],
        budget=Decimal(config["budget"]),
        currency=config["currency"],
        start_date=start,
        end_date=end,
        social_account_ids=config["social_account_ids"],
        goals=[f"Remise de {discount} %", f"Faire découvrir : {', '.join(dishes)}"[:500]],
    )
    return f"campaign {created['id']} ({config['name']}) from {start} to {end}, -{discount} %"
