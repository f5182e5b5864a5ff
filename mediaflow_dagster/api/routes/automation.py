"""Automation rules, edited without code: which module event takes which action, with what
(`cms/automation.py` says how they act). A rule referring to something missing is refused."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Response
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy import Connection, select

from mediaflow_dagster.api.automation_models import (
    CONFIG_OF_ACTION,
    ActionTaken,
    Rule,
    RuleChanges,
    RuleIn,
)
from mediaflow_dagster.api.models import Page
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, PathId, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import automation
from mediaflow_dagster.cms.database import page
from mediaflow_dagster.cms.schema import automation_actions

router = protected_router(prefix="/api/communication", tags=["automation"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Editor = require("automation:write")


@router.get("/rules", response_model=Page[Rule])
def list_rules(store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None) -> dict:
    items, next_cursor = automation.rules_page(store, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/rules", status_code=201, response_model=Rule, responses=documented(409))
def create_rule(rule: RuleIn, response: Response, store: Store, editor: Editor) -> dict[str, Any]:
    """A rule: the `event_type` it answers, its `action` (each event type has one: post for
    recipe.featured, notify for promotion.created, pause for stock.low, create_campaign for
    sales.slow_moving, replace_menu for menu.changed) and the action's `config`. It acts on
    events arriving once enabled."""
    created = automation.create_rule(store, rule.model_dump(mode="json"), editor.actor)
    response.headers["location"] = f"/api/communication/rules/{created['id']}"
    return created


@router.get("/rules/{rule_id}", response_model=Rule, responses=documented(404))
def get_rule(rule_id: PathId, store: Store, _: Reader) -> dict[str, Any]:
    return automation.get_rule(store, rule_id)


@router.patch("/rules/{rule_id}", response_model=Rule, responses=documented(404, 409))
def update_rule(
    rule_id: PathId, changes: RuleChanges, store: Store, editor: Editor
) -> dict[str, Any]:
    """Change the fields given (`config` whole); enabling a rule again acts on the events
    arriving from then on."""
    fields = changes.model_dump(mode="json", exclude_unset=True)
    if not fields:
        raise field_refused("body", "name at least one field to change", {})
    if "config" in fields:
        action = automation.get_rule(store, rule_id)["action"]
        try:
            config = CONFIG_OF_ACTION[action].model_validate(fields["config"])
        except ValidationError as error:
            raise RequestValidationError(
                [{**entry, "loc": ("body", "config", *entry["loc"])} for entry in error.errors()]
            ) from error
        fields["config"] = config.model_dump(mode="json")
    return automation.update_rule(store, rule_id, fields, editor.actor)


@router.delete("/rules/{rule_id}", status_code=204, responses=documented(404))
def delete_rule(rule_id: PathId, store: Store, _: Editor) -> Response:
    """The rule goes; what it did stays in the actions taken."""
    automation.delete_rule(store, rule_id)
    return Response(status_code=204)


@router.get("/rule-actions", response_model=Page[ActionTaken])
def actions_taken(store: Store, _: Reader, limit: Limit = 50, cursor: Cursor = None) -> dict:
    """What the rules did with the module events, oldest first: done, skipped (with why) or
    failed (with why; the event is not tried again)."""
    items, next_cursor = page(
        store, select(automation_actions), automation_actions.c.id, cursor, limit
    )
    return {"items": items, "next_cursor": next_cursor}
