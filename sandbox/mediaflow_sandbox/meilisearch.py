"""A Meilisearch stand-in speaking the part of its HTTP API (v1) that the official client uses:
health and version, indexes (create, get, delete), settings, documents (add or replace, list,
delete by filter or by id, delete all), search (filters, facets, sort, pagination, highlighting
and cropping, typo tolerance, synonyms, the last word as a prefix), and the tasks every write
enqueues, with their statuses and errors. Shapes follow Meilisearch's documented answers:
writes answer 202 with a summarized task; a task fails with Meilisearch's error object (an
invalid document id, a missing primary key, an index that exists already); a request that
cannot be taken answers the error object with its status (`index_not_found` 404,
`invalid_search_filter` 400, `missing_authorization_header` 401, `invalid_api_key` 403).

Tasks are processed as soon as they are enqueued, in order; a client sees them `enqueued` in
the write's answer and finished on its first look.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from mediaflow_sandbox.addresses import MEILISEARCH_PREFIX
from mediaflow_sandbox.clock import SimulatedClock, iso_z
from mediaflow_sandbox.meilisearch_filters import FilterError, combined

VERSION = "1.41.0"
DOCUMENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,511}$")
INDEX_UID = re.compile(r"^[A-Za-z0-9_-]{1,400}$")
_WORD = re.compile(r"[^\W_]+")
DEFAULT_SETTINGS: dict[str, Any] = {
    "displayedAttributes": ["*"],
    "searchableAttributes": ["*"],
    "filterableAttributes": [],
    "sortableAttributes": [],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    "stopWords": [],
    "synonyms": {},
    "distinctAttribute": None,
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
        "disableOnWords": [],
        "disableOnAttributes": [],
    },
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "alpha"}},
    "pagination": {"maxTotalHits": 1000},
    "localizedAttributes": None,
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _words(text: str) -> list[str]:
    return _WORD.findall(_fold(text))


def _typos(left: str, right: str, limit: int) -> int:
    """Damerau-Levenshtein distance (a transposition is one typo), or `limit + 1` past it."""
    if abs(len(left) - len(right)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(right) + 1))
    for i, a in enumerate(left, 1):
        current = [i]
        for j, b in enumerate(right, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == right[j - 2] and left[i - 2] == b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


class MeilisearchError(Exception):
    def __init__(self, status: int, code: str, message: str, kind: str = "invalid_request"):
        super().__init__(message)
        self.status, self.code, self.message, self.kind = status, code, message, kind

    def body(self) -> dict[str, str]:
        return {
            "message": self.message,
            "code": self.code,
            "type": self.kind,
            "link": f"https://docs.meilisearch.com/errors#{self.code}",
        }


@dataclass
class MeiliIndex:
    uid: str
    primary_key: str | None
    created_at: str
    updated_at: str
    settings: dict[str, Any] = field(
        default_factory=lambda: json.loads(json.dumps(DEFAULT_SETTINGS))
    )
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "primaryKey": self.primary_key,
        }


class MeilisearchServer:
    def __init__(self, api_key: str, clock: SimulatedClock) -> None:
        self._api_key = api_key
        self._clock = clock
        self._indexes: dict[str, MeiliIndex] = {}
        self._tasks: list[dict[str, Any]] = []

    def routes(self) -> list[Route]:
        prefix = MEILISEARCH_PREFIX
        return [
            Route(f"{prefix}/health", self.health),
            Route(f"{prefix}/version", self.version),
            Route(f"{prefix}/tasks", self.list_tasks),
            Route(f"{prefix}/tasks/{{task_uid}}", self.get_task),
            Route(f"{prefix}/indexes", self.indexes, methods=["GET", "POST"]),
            Route(f"{prefix}/indexes/{{uid}}", self.index, methods=["GET", "PATCH", "DELETE"]),
            Route(
                f"{prefix}/indexes/{{uid}}/settings",
                self.settings,
                methods=["GET", "PATCH", "DELETE"],
            ),
            Route(
                f"{prefix}/indexes/{{uid}}/documents",
                self.documents,
                methods=["GET", "POST", "PUT", "DELETE"],
            ),
            Route(
                f"{prefix}/indexes/{{uid}}/documents/delete",
                self.delete_by_filter,
                methods=["POST"],
            ),
            Route(
                f"{prefix}/indexes/{{uid}}/documents/delete-batch",
                self.delete_batch,
                methods=["POST"],
            ),
            Route(f"{prefix}/indexes/{{uid}}/search", self.search, methods=["GET", "POST"]),
            Route(f"{prefix}/indexes/{{uid}}/stats", self.stats),
        ]

    # plumbing

    def _now(self) -> str:
        return iso_z(self._clock.now())

    def _authorized(self, request: Request) -> None:
        header = request.headers.get("authorization")
        if not header:
            raise MeilisearchError(
                401,
                "missing_authorization_header",
                "The Authorization header is missing. It must use the bearer authorization method.",
                "auth",
            )
        if header != f"Bearer {self._api_key}":
            raise MeilisearchError(
                403, "invalid_api_key", "The provided API key is invalid.", "auth"
            )

    async def _answer(self, request: Request, handler) -> JSONResponse:
        try:
            self._authorized(request)
            status, body = await handler(request)
        except MeilisearchError as error:
            return JSONResponse(error.body(), status_code=error.status)
        return JSONResponse(body, status_code=status)

    def _index(self, uid: str) -> MeiliIndex:
        if uid not in self._indexes:
            raise MeilisearchError(404, "index_not_found", f"Index `{uid}` not found.")
        return self._indexes[uid]

    async def _json(self, request: Request) -> Any:
        try:
            return json.loads(await request.body() or b"null")
        except ValueError as error:
            raise MeilisearchError(
                400, "malformed_payload", f"The json payload provided is malformed. {error}."
            ) from error

    def _enqueue(self, index_uid: str | None, kind: str, work) -> tuple[int, dict[str, Any]]:
        """Record a task, run it at once, and answer its summary as Meilisearch does (202)."""
        enqueued = self._now()
        task: dict[str, Any] = {
            "uid": len(self._tasks),
            "batchUid": len(self._tasks),
            "indexUid": index_uid,
            "status": "succeeded",
            "type": kind,
            "canceledBy": None,
            "details": {},
            "error": None,
            "duration": "PT0.001S",
            "enqueuedAt": enqueued,
            "startedAt": enqueued,
            "finishedAt": enqueued,
        }
        self._tasks.append(task)
        try:
            task["details"] = work() or {}
        except MeilisearchError as error:
            task["status"], task["error"] = "failed", error.body()
        summary = {key: task[key] for key in ("indexUid", "type", "enqueuedAt")}
        return 202, {"taskUid": task["uid"], "status": "enqueued", **summary}

    # routes

    async def health(self, request: Request) -> JSONResponse:
        return JSONResponse({"status": "available"})

    async def version(self, request: Request) -> JSONResponse:
        async def handler(_):
            return 200, {"commitSha": "sandbox", "commitDate": self._now(), "pkgVersion": VERSION}

        return await self._answer(request, handler)

    async def get_task(self, request: Request) -> JSONResponse:
        async def handler(_):
            raw = request.path_params["task_uid"]
            if not raw.isdigit() or int(raw) >= len(self._tasks):
                raise MeilisearchError(404, "task_not_found", f"Task `{raw}` not found.")
            return 200, self._tasks[int(raw)]

        return await self._answer(request, handler)

    async def list_tasks(self, request: Request) -> JSONResponse:
        async def handler(_):
            results = list(reversed(self._tasks))[:20]
            return 200, {
                "results": results,
                "total": len(self._tasks),
                "limit": 20,
                "from": results[0]["uid"] if results else None,
                "next": None,
            }

        return await self._answer(request, handler)

    async def indexes(self, request: Request) -> JSONResponse:
        async def handler(_):
            if request.method == "GET":
                views = [index.view() for index in self._indexes.values()]
                return 200, {"results": views, "offset": 0, "limit": 20, "total": len(views)}
            body = await self._json(request) or {}
            uid = body.get("uid")
            if not isinstance(uid, str) or not INDEX_UID.match(uid):
                raise MeilisearchError(
                    400, "invalid_index_uid", f"`{uid}` is not a valid index uid."
                )

            def create():
                if uid in self._indexes:
                    raise MeilisearchError(
                        409, "index_already_exists", f"Index `{uid}` already exists."
                    )
                now = self._now()
                self._indexes[uid] = MeiliIndex(uid, body.get("primaryKey"), now, now)
                return {"primaryKey": body.get("primaryKey")}

            return self._enqueue(uid, "indexCreation", create)

        return await self._answer(request, handler)

    async def index(self, request: Request) -> JSONResponse:
        async def handler(_):
            uid = request.path_params["uid"]
            if request.method == "GET":
                return 200, self._index(uid).view()
            if request.method == "DELETE":

                def drop():
                    return {"deletedDocuments": len(self._indexes.pop(uid).documents)}

                self._index(uid)
                return self._enqueue(uid, "indexDeletion", drop)
            body = await self._json(request) or {}

            def update():
                index = self._index(uid)
                index.primary_key = body.get("primaryKey", index.primary_key)
                return {"primaryKey": index.primary_key}

            return self._enqueue(uid, "indexUpdate", update)

        return await self._answer(request, handler)

    def _index_made(self, uid: str) -> MeiliIndex:
        """The index, made on the fly as document and settings writes do."""
        if uid not in self._indexes:
            now = self._now()
            self._indexes[uid] = MeiliIndex(uid, None, now, now)
        return self._indexes[uid]

    async def settings(self, request: Request) -> JSONResponse:
        async def handler(_):
            uid = request.path_params["uid"]
            if request.method == "GET":
                return 200, self._index(uid).settings
            body = await self._json(request) or {}
            if not isinstance(body, dict):
                raise MeilisearchError(400, "bad_request", "Settings must be an object.")
            unknown = sorted(set(body) - set(DEFAULT_SETTINGS))
            if unknown:
                raise MeilisearchError(
                    400,
                    "bad_request",
                    f"Unknown field `{unknown[0]}`: expected one of {', '.join(DEFAULT_SETTINGS)}",
                )

            def apply():
                index = self._index_made(uid)
                if request.method == "DELETE":
                    index.settings = json.loads(json.dumps(DEFAULT_SETTINGS))
                else:
                    for name, value in body.items():
                        default = DEFAULT_SETTINGS[name]
                        if (
                            isinstance(default, dict)
                            and isinstance(value, dict)
                            and name != "synonyms"
                        ):
                            index.settings[name] = {**index.settings[name], **value}
                        else:
                            index.settings[name] = default if value is None else value
                index.updated_at = self._now()
                return body

            return self._enqueue(uid, "settingsUpdate", apply)

        return await self._answer(request, handler)

    async def documents(self, request: Request) -> JSONResponse:
        async def handler(_):
            uid = request.path_params["uid"]
            if request.method == "GET":
                index = self._index(uid)
                offset = int(request.query_params.get("offset", 0))
                limit = int(request.query_params.get("limit", 20))
                listed = list(index.documents.values())
                return 200, {
                    "results": listed[offset : offset + limit],
                    "offset": offset,
                    "limit": limit,
                    "total": len(listed),
                }
            if request.method == "DELETE":

                def clear():
                    index = self._index(uid)
                    deleted = len(index.documents)
                    index.documents.clear()
                    return {"deletedDocuments": deleted}

                return self._enqueue(uid, "documentDeletion", clear)
            body = await self._json(request)
            if not isinstance(body, list) or not all(isinstance(doc, dict) for doc in body):
                raise MeilisearchError(
                    400,
                    "malformed_payload",
                    "The json payload provided is malformed. "
                    "`invalid type: expected a sequence of objects`.",
                )
            primary_key = request.query_params.get("primaryKey")
            replace = request.method == "POST"

            def add():
                index = self._index_made(uid)
                key = index.primary_key or primary_key
                if key is None:
                    candidates = [
                        name for name in (body[0] if body else {}) if name.lower().endswith("id")
                    ]
                    if len(candidates) != 1:
                        raise MeilisearchError(
                            400,
                            "index_primary_key_no_candidate_found",
                            "The primary key inference failed as the engine did not find any "
                            "field ending with `id` in its name. Please specify the primary key "
                            "manually using the `primaryKey` query parameter.",
                        )
                    key = candidates[0]
                for document in body:
                    identifier = document.get(key)
                    if identifier is None:
                        raise MeilisearchError(
                            400,
                            "missing_document_id",
                            f"Document doesn't have a `{key}` attribute: "
                            f"`{json.dumps(document)[:200]}`.",
                        )
                    if not isinstance(identifier, int) and not (
                        isinstance(identifier, str) and DOCUMENT_ID.match(identifier)
                    ):
                        raise MeilisearchError(
                            400,
                            "invalid_document_id",
                            f"Document identifier `{json.dumps(identifier)}` is invalid. A "
                            "document identifier can be of type integer or string, only composed "
                            "of alphanumeric characters (a-z A-Z 0-9), hyphens (-) and "
                            "underscores (_), and can not be more than 511 bytes.",
                        )
                index.primary_key = key
                for document in body:
                    identifier = str(document[key])
                    merged = (
                        document if replace else {**index.documents.get(identifier, {}), **document}
                    )
                    index.documents[identifier] = merged
                index.updated_at = self._now()
                return {"receivedDocuments": len(body), "indexedDocuments": len(body)}

            return self._enqueue(uid, "documentAdditionOrUpdate", add)

        return await self._answer(request, handler)

    async def delete_by_filter(self, request: Request) -> JSONResponse:
        async def handler(_):
            uid = request.path_params["uid"]
            body = await self._json(request) or {}
            text = body.get("filter")
            index = self._indexes.get(uid)
            filterable = set(index.settings["filterableAttributes"]) if index else set()
            try:
                matches = combined(text, filterable)
            except FilterError as error:
                raise MeilisearchError(400, "invalid_document_filter", str(error)) from error

            def delete():
                index = self._index(uid)
                gone = [key for key, doc in index.documents.items() if matches(doc)]
                for key in gone:
                    del index.documents[key]
                return {
                    "providedIds": 0,
                    "deletedDocuments": len(gone),
                    "originalFilter": json.dumps(text),
                }

            return self._enqueue(uid, "documentDeletion", delete)

        return await self._answer(request, handler)

    async def delete_batch(self, request: Request) -> JSONResponse:
        async def handler(_):
            uid = request.path_params["uid"]
            ids = [str(one) for one in (await self._json(request) or [])]

            def delete():
                index = self._index(uid)
                gone = [one for one in ids if index.documents.pop(one, None) is not None]
                return {
                    "providedIds": len(ids),
                    "deletedDocuments": len(gone),
                    "originalFilter": None,
                }

            return self._enqueue(uid, "documentDeletion", delete)

        return await self._answer(request, handler)

    async def stats(self, request: Request) -> JSONResponse:
        async def handler(_):
            index = self._index(request.path_params["uid"])
            return 200, {
                "numberOfDocuments": len(index.documents),
                "isIndexing": False,
                "fieldDistribution": {},
            }

        return await self._answer(request, handler)

    async def search(self, request: Request) -> JSONResponse:
        async def handler(_):
            index = self._index(request.path_params["uid"])
            if request.method == "GET":
                parameters: dict[str, Any] = dict(request.query_params)
            else:
                parameters = await self._json(request) or {}
            return 200, SearchRun(index, parameters).answer()

        return await self._answer(request, handler)


class SearchRun:
    """One search on one index, as Meilisearch ranks it: every query word must match (with
    `matchingStrategy` `all`; `last` drops words from the end until something matches), fewer
    typos first, then the earlier searchable attribute, then sort, then exact matches."""

    def __init__(self, index: MeiliIndex, parameters: dict[str, Any]) -> None:
        self.index = index
        self.settings = index.settings
        self.parameters = parameters
        self.filterable = set(self.settings["filterableAttributes"])

    def searchable(self, document: dict[str, Any]) -> list[str]:
        names = self.settings["searchableAttributes"]
        if names == ["*"]:
            names = [name for name in document if name != self.index.primary_key]
        return names

    def _query(self) -> tuple[list[list[str]], list[list[str]]]:
        text = self.parameters.get("q") or ""
        positive, negative = [], []
        for negated, quoted, bare in re.findall(r'(-?)"([^"]*)"?|(-?\S+)', str(text)):
            if bare:
                negated, bare = (
                    ("-", bare[1:]) if bare.startswith("-") and len(bare) > 1 else ("", bare)
                )
            words = _words(quoted or bare)
            if not words:
                continue
            if quoted:
                (negative if negated else positive).append(words)
            else:
                for word in words:
                    (negative if negated else positive).append([word])
        return positive[:10], negative

    def _allowed(self, word: str) -> int:
        tolerance = self.settings["typoTolerance"]
        if not tolerance.get("enabled", True):
            return 0
        sizes = tolerance["minWordSizeForTypos"]
        return 2 if len(word) >= sizes["twoTypos"] else 1 if len(word) >= sizes["oneTypo"] else 0

    def _variants(self, word: str) -> set[str]:
        synonyms = {
            _fold(key): [_fold(one) for one in values]
            for key, values in self.settings["synonyms"].items()
        }
        return {word, *synonyms.get(word, [])}

    def _term_match(self, word: str, tokens: list[str], prefix: bool) -> int | None:
        """The fewest typos with which `word` (or a synonym) matches one of `tokens`."""
        best = None
        for variant in self._variants(word):
            allowed = self._allowed(variant)
            for token in tokens:
                if token == variant or (prefix and token.startswith(variant)):
                    return 0
                if allowed:
                    typos = _typos(variant, token, allowed)
                    if typos <= allowed and (best is None or typos < best):
                        best = typos
                    elif prefix and len(token) > len(variant):
                        typos = _typos(variant, token[: len(variant)], allowed)
                        if typos <= allowed and (best is None or typos < best):
                            best = typos
        return best

    def _score(self, document, positive, negative) -> tuple | None:
        fields = [(name, _words(_text(document.get(name)))) for name in self.searchable(document)]
        every = [token for _, tokens in fields for token in tokens]
        for phrase in negative:
            if _has_phrase(every, phrase):
                return None
        typos, attribute, exact = 0, 0, 0
        for position, phrase in enumerate(positive):
            if len(phrase) > 1:
                found = [
                    rank for rank, (_, tokens) in enumerate(fields) if _has_phrase(tokens, phrase)
                ]
                if not found:
                    return None
                attribute += found[0]
                exact += 1
                continue
            last = position == len(positive) - 1
            best = None
            for rank, (_, tokens) in enumerate(fields):
                found = self._term_match(phrase[0], tokens, prefix=last)
                if found is not None and (best is None or found < best[0]):
                    best = (found, rank)
            if best is None:
                return None
            typos += best[0]
            attribute += best[1]
            exact += best[0] == 0 and phrase[0] in every
        return (typos, attribute, -exact)

    def answer(self) -> dict[str, Any]:
        parameters = self.parameters
        try:
            keep = combined(parameters.get("filter"), self.filterable)
        except FilterError as error:
            raise MeilisearchError(400, "invalid_search_filter", str(error)) from error
        facets = parameters.get("facets") or []
        for name in facets:
            if name not in self.filterable:
                raise MeilisearchError(
                    400,
                    "invalid_search_facets",
                    f"Invalid facet distribution, attribute `{name}` is not filterable.",
                )
        sorts = []
        for rule in parameters.get("sort") or []:
            name, _, direction = str(rule).partition(":")
            if name not in self.settings["sortableAttributes"] or direction not in ("asc", "desc"):
                raise MeilisearchError(
                    400,
                    "invalid_search_sort",
                    f"Attribute `{name}` is not sortable or `{rule}` is not a valid sort.",
                )
            sorts.append((name, direction))
        positive, negative = self._query()
        scored = []
        for document in self.index.documents.values():
            if not keep(document):
                continue
            score = self._score(document, positive, negative)
            if score is not None:
                scored.append((score, document))
        scored.sort(key=lambda item: item[0][2])
        for name, direction in reversed(sorts):
            scored.sort(key=lambda item: _sort_key(item[1].get(name)), reverse=direction == "desc")
        scored.sort(key=lambda item: item[0][1])
        scored.sort(key=lambda item: item[0][0])
        matched = [document for _, document in scored]
        distribution: dict[str, dict[str, int]] = {}
        for name in facets:
            counts: dict[str, int] = {}
            for document in matched:
                values = document.get(name)
                for value in values if isinstance(values, list) else [values]:
                    if value is not None:
                        key = str(value).lower() if isinstance(value, bool) else str(value)
                        counts[key] = counts.get(key, 0) + 1
            limit = self.settings["faceting"]["maxValuesPerFacet"]
            distribution[name] = dict(sorted(counts.items())[:limit])
        per_page = int(parameters.get("hitsPerPage", 20))
        page = int(parameters.get("page", 1))
        start = (page - 1) * per_page
        limit_total = self.settings["pagination"]["maxTotalHits"]
        total = min(len(matched), limit_total)
        hits = [
            self._formatted(document, positive)
            for document in matched[:limit_total][start : start + per_page]
        ]
        return {
            "hits": hits,
            "query": parameters.get("q") or "",
            "processingTimeMs": 0,
            "hitsPerPage": per_page,
            "page": page,
            "totalPages": math.ceil(total / per_page) if per_page else 0,
            "totalHits": total,
            "facetDistribution": distribution,
            "facetStats": {},
        }

    def _formatted(self, document: dict[str, Any], positive: list[list[str]]) -> dict[str, Any]:
        parameters = self.parameters
        highlight = parameters.get("attributesToHighlight") or []
        crop = parameters.get("attributesToCrop") or []
        if not highlight and not crop:
            return dict(document)
        pre = parameters.get("highlightPreTag", "<em>")
        post = parameters.get("highlightPostTag", "</em>")
        crop_length = int(parameters.get("cropLength", 10))
        marker = parameters.get("cropMarker", "…")
        wanted = [phrase[0] for phrase in positive if len(phrase) == 1] + [
            word for phrase in positive if len(phrase) > 1 for word in phrase
        ]
        formatted = dict(document)
        for name in set(highlight) | set(crop):
            value = document.get(name)
            if not isinstance(value, str):
                continue
            pieces = re.split(r"([^\W_]+)", value)
            hit_at = None
            words_seen = 0
            rendered = []
            for piece in pieces:
                if _WORD.fullmatch(piece or " "):
                    matches = any(
                        self._term_match(word, [_fold(piece)], prefix=True) is not None
                        for word in wanted
                    )
                    if matches and hit_at is None:
                        hit_at = words_seen
                    rendered.append((piece, matches, words_seen))
                    words_seen += 1
                else:
                    rendered.append((piece, False, None))
            if name in crop and words_seen > crop_length:
                first = max(0, (hit_at or 0) - crop_length // 2)
                last = first + crop_length
                kept = [item for item in rendered if item[2] is None or first <= item[2] < last]
                while kept and kept[0][2] is None:
                    kept.pop(0)
                while kept and kept[-1][2] is None:
                    kept.pop()
                text = "".join(
                    f"{pre}{piece}{post}" if hit and name in highlight else piece
                    for piece, hit, _ in kept
                )
                formatted[name] = (
                    (marker if first > 0 else "") + text + (marker if last < words_seen else "")
                )
            else:
                formatted[name] = "".join(
                    f"{pre}{piece}{post}" if hit and name in highlight else piece
                    for piece, hit, _ in rendered
                )
        return {**document, "_formatted": formatted}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(_text(one) for one in value)
    return "" if value is None else str(value)


def _has_phrase(tokens: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(tokens[i : i + size] == phrase for i in range(len(tokens) - size + 1))


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (1, "")
    if isinstance(value, int | float):
        return (0, value)
    return (0, str(value).casefold())
