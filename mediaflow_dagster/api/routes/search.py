"""Search over campaigns, campaign objects and media: full-text with typos tolerated, filters,
facet counts and highlighted snippets, from whichever backend the settings chose (and the
database when Meilisearch cannot answer, which the answer says)."""

from __future__ import annotations

import math
from dataclasses import asdict
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Connection

from mediaflow_dagster.api.context import ApiContext, context
from mediaflow_dagster.api.models import INT32_MAX, SearchResults, SearchStatus
from mediaflow_dagster.api.routes.common import protected_router
from mediaflow_dagster.api.security import connection, require
from mediaflow_dagster.cms.schema import Platform
from mediaflow_dagster.cms.search.documents import DOCUMENT_TYPES
from mediaflow_dagster.cms.search.query import SearchQuery, Sort

router = protected_router(prefix="/api/search", tags=["search"])
Store = Annotated[Connection, Depends(connection)]
Api = Annotated[ApiContext, Depends(context)]
Reader = require("campaigns:read")
MAX_QUERY_CHARACTERS = 512
MAX_RESULT_PAGE = 1000
MAX_PER_PAGE = 100
DocumentType = Literal[DOCUMENT_TYPES]  # type: ignore[valid-type]
PARAMETERS = frozenset(
    {"q", "type", "status", "platform", "campaign", "from", "to", "sort", "page", "per_page"}
)


def known_parameters(request: Request) -> None:
    """A parameter search does not know is refused, not ignored: a misspelt filter would
    otherwise widen the search silently."""
    unknown = sorted(set(request.query_params) - PARAMETERS)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"unknown parameter; search takes {', '.join(sorted(PARAMETERS))}",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
        )


@router.get(
    "",
    response_model=SearchResults,
    dependencies=[Depends(known_parameters)],
)
def search(
    store: Store,
    api: Api,
    _: Reader,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_CHARACTERS,
            description='Words to find (all of them; `"a phrase"`, `-left-out`, `a OR b`); '
            "empty: every document, newest first.",
        ),
    ] = "",
    type: Annotated[DocumentType | None, Query()] = None,
    status: Annotated[str | None, Query(pattern=r"^[a-z_]{1,20}$")] = None,
    platform: Annotated[Platform | None, Query()] = None,
    campaign: Annotated[int | None, Query(ge=1, le=INT32_MAX)] = None,
    date_from: Annotated[
        date | None, Query(alias="from", description="First day (the document's date).")
    ] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day, included.")] = None,
    sort: Annotated[Sort, Query()] = "relevance",
    page: Annotated[int, Query(ge=1, le=MAX_RESULT_PAGE)] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE)] = 20,
) -> dict[str, Any]:
    if date_from and date_to and date_from > date_to:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query", "from"),
                    "msg": "`from` is after `to`",
                    "input": date_from.isoformat(),
                }
            ]
        )
    query = SearchQuery(
        text=q,
        type=type,
        status=status,
        platform=platform,
        campaign_id=campaign,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=page,
        per_page=per_page,
    )
    answer = api.search.search(store, query)
    return {
        **asdict(answer),
        "total_pages": math.ceil(answer.total / per_page),
    }


@router.get("/status", response_model=SearchStatus)
def search_status(store: Store, api: Api, _: Reader) -> dict[str, Any]:
    """Which backend is configured and which answers now (the database when Meilisearch is
    down), how many documents the index holds and when it was last brought up to date."""
    return api.search.status(store)
