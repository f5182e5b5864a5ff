"""Notification templates: saved as new versions, listed, and previewed with sample data. A
syntax error or a variable the data lacks is a 422 naming the part or the variable."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Query
from sqlalchemy import Connection

from mediaflow_dagster.api.communication_models import (
    NotificationTemplate,
    Preview,
    PreviewIn,
    TemplateIn,
    TemplateName,
)
from mediaflow_dagster.api.models import Page
from mediaflow_dagster.api.problems import documented, field_refused
from mediaflow_dagster.api.routes.common import Cursor, Limit, protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms import templates
from mediaflow_dagster.communication.templates import TemplateProblem, render

router = protected_router(prefix="/api/communication/templates", tags=["communication"])
Store = Annotated[Connection, Depends(connection)]
Reader = require("campaigns:read")
Sender = require("notifications:send")
Name = Annotated[TemplateName, Path()]


def refused(problem: TemplateProblem, sent: Any):
    """The 422 naming the variable the data lacks, or the template part that is not valid."""
    if problem.variable is not None:
        return field_refused(f"data.{problem.variable}", str(problem), None)
    return field_refused(problem.part, str(problem), sent)


@router.post("/{name}", status_code=201, response_model=NotificationTemplate)
def save_template(
    name: Name, template: TemplateIn, store: Store, principal: Sender
) -> dict[str, Any]:
    """A new version of the template in its language (the first is version 1)."""
    try:
        return templates.save_template(
            store, name=name, created_by=principal.actor, **template.model_dump()
        )
    except TemplateProblem as problem:
        raise refused(problem, getattr(template, problem.part)) from problem


@router.get("", response_model=Page[NotificationTemplate])
def list_templates(
    store: Store,
    _: Reader,
    name: Annotated[TemplateName | None, Query()] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    items, next_cursor = templates.templates_page(store, name, cursor, limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/{name}/preview", response_model=Preview, responses=documented(404))
def preview(name: Name, wanted: PreviewIn, store: Store, _: Sender) -> dict[str, Any]:
    """The template rendered with `data`, as a message would be; nothing is stored or sent."""
    template = templates.template_for(store, name, wanted.language, wanted.version)
    try:
        rendered = render(template, wanted.data)
    except TemplateProblem as problem:
        raise refused(problem, wanted.data) from problem
    return {
        "template_id": template["id"],
        "version": template["version"],
        "language": template["language"],
        **rendered,
    }
