"""Unsplash's and Pexels' photo search, and the image CDNs behind them.

A query's results follow from the query alone (how many, their ids), and a photo's facts from
its id (size, photographer, colour): every image URL a search hands out answers with a real
JPEG of the size its `w`, `h`, `fit` and `dpr` parameters ask, with nothing kept in between.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import (
    PEXELS_IMAGES_PREFIX,
    PEXELS_PREFIX,
    UNSPLASH_IMAGES_PREFIX,
    UNSPLASH_PREFIX,
)
from mediaflow_sandbox.clock import SimulatedClock
from mediaflow_sandbox.content import jpeg_image

NATURAL_SIZES = ((1920, 1280), (1280, 1920), (1600, 1600), (1920, 1080))
MAX_SIDE_PIXELS = 4000
FEWEST_RESULTS, MOST_RESULTS = 12, 60
PHOTOGRAPHERS = (
    ("Ana Lima", "analima"),
    ("Kenji Sato", "kenjisato"),
    ("Léa Martin", "leamartin"),
    ("Omar Haddad", "omarhaddad"),
    ("Sofia Rossi", "sofiarossi"),
)
SCENES = (
    "in natural light",
    "on a wooden table",
    "seen from above",
    "in the city at dusk",
    "in close-up",
)
UNSPLASH_PER_PAGE, UNSPLASH_MAX_PER_PAGE = 10, 30
PEXELS_PER_PAGE, PEXELS_MAX_PER_PAGE = 15, 80
UNSPLASH_CALLS_PER_HOUR = 5000
UNSPLASH_INVALID_TOKEN = "OAuth error: The access token is invalid"
PEXELS_SIZES = {
    "large2x": "auto=compress&cs=tinysrgb&dpr=2&h=650&w=940",
    "large": "auto=compress&cs=tinysrgb&h=650&w=940",
    "medium": "auto=compress&cs=tinysrgb&h=350",
    "small": "auto=compress&cs=tinysrgb&h=130",
    "portrait": "auto=compress&cs=tinysrgb&fit=crop&h=1200&w=800",
    "landscape": "auto=compress&cs=tinysrgb&fit=crop&h=627&w=1200",
    "tiny": "auto=compress&cs=tinysrgb&dpr=1&fit=crop&h=200&w=280",
}
UNSPLASH_SIZES = {
    "full": "q=85&fm=jpg&crop=entropy&cs=srgb",
    "regular": "q=80&fm=jpg&crop=entropy&cs=tinysrgb&w=1080&fit=max",
    "small": "q=80&fm=jpg&crop=entropy&cs=tinysrgb&w=400&fit=max",
    "thumb": "q=80&fm=jpg&crop=entropy&cs=tinysrgb&w=200&fit=max",
}


class BadParameter(ValueError):
    """A query parameter the service cannot use."""


@dataclass(frozen=True)
class StockPhoto:
    id: str
    width: int
    height: int
    photographer: str
    username: str
    scene: str

    @classmethod
    def of(cls, photo_id: str) -> StockPhoto:
        seed = _digest("photo", photo_id)
        width, height = NATURAL_SIZES[seed[0] % len(NATURAL_SIZES)]
        name, username = PHOTOGRAPHERS[seed[1] % len(PHOTOGRAPHERS)]
        return cls(photo_id, width, height, name, username, SCENES[seed[2] % len(SCENES)])

    def alt(self, query: str) -> str:
        """What the photo shows: what it was found for, and how."""
        return f"{query} {self.scene}"

    @property
    def colour(self) -> str:
        return "#" + _image_seed(self.id)[:3].hex()

    def jpeg(self, params: QueryParams) -> bytes:
        return jpeg_image(_image_seed(self.id), *self._served_size(params))

    def _served_size(self, params: QueryParams) -> tuple[int, int]:
        """imgix's sizing: `w` and/or `h` keep the aspect ratio (both fit inside the box unless
        `fit=crop`), `dpr` multiplies; no size means the natural one."""
        width, height = _positive(params, "w"), _positive(params, "h")
        if width and height and params.get("fit") != "crop":
            scale = min(width / self.width, height / self.height)
            width, height = self.width * scale, self.height * scale
        elif width and not height:
            height = width * self.height / self.width
        elif height and not width:
            width = height * self.width / self.height
        elif not width:
            width, height = self.width, self.height
        dpr = _positive(params, "dpr") or 1
        return _side(width * dpr), _side(height * dpr)


@dataclass(frozen=True)
class Page:
    number: int
    size: int
    total: int

    @property
    def indexes(self) -> range:
        return range((self.number - 1) * self.size, min(self.number * self.size, self.total))

    @property
    def count(self) -> int:
        return math.ceil(self.total / self.size)


class UnsplashApi:
    """`GET /search/photos` with a `Client-ID` access key, rate-limited per hour, and its CDN."""

    def __init__(self, access_key: str, clock: SimulatedClock, base_url: str) -> None:
        self._access_key = access_key
        self._clock = clock
        self._base_url = base_url
        self._hour: datetime | None = None
        self._calls_this_hour = 0

    def routes(self) -> list[Route]:
        return [
            Route(f"{UNSPLASH_PREFIX}/search/photos", self.search_photos),
            Route(f"{UNSPLASH_IMAGES_PREFIX}/photo-{{photo_id}}", self.image),
        ]

    async def search_photos(self, request: Request) -> Response:
        if _client_id(request) != self._access_key:
            return unsplash_error(401, UNSPLASH_INVALID_TOKEN)
        remaining = self._take_call()
        limits = {
            "X-Ratelimit-Limit": str(UNSPLASH_CALLS_PER_HOUR),
            "X-Ratelimit-Remaining": str(max(remaining, 0)),
        }
        if remaining < 0:
            return PlainTextResponse("Rate Limit Exceeded", status_code=403, headers=limits)
        query = request.query_params.get("query", "").strip()
        if not query:
            return unsplash_error(400, "query is missing")
        try:
            page = _page(request.query_params, UNSPLASH_PER_PAGE, UNSPLASH_MAX_PER_PAGE, query)
        except BadParameter as error:
            return unsplash_error(400, str(error))
        results = [
            self._result(StockPhoto.of(unsplash_id(query, index)), query) for index in page.indexes
        ]
        return JSONResponse(
            {"total": page.total, "total_pages": page.count, "results": results}, headers=limits
        )

    async def image(self, request: Request) -> Response:
        return _jpeg(StockPhoto.of(request.path_params["photo_id"]), request.query_params)

    def _take_call(self) -> int:
        """Count one call in the clock's current hour; the calls left, negative when spent."""
        hour = self._clock.now().replace(minute=0, second=0, microsecond=0)
        if hour != self._hour:
            self._hour, self._calls_this_hour = hour, 0
        self._calls_this_hour += 1
        return UNSPLASH_CALLS_PER_HOUR - self._calls_this_hour

    def _result(self, photo: StockPhoto, query: str) -> dict[str, Any]:
        raw = f"{self._base_url}{UNSPLASH_IMAGES_PREFIX}/photo-{photo.id}?ixlib=rb-4.0.3"
        site = f"{self._base_url}{UNSPLASH_PREFIX}"
        described = _digest("description", photo.id)[0] % 3 != 0
        return {
            "id": photo.id,
            "width": photo.width,
            "height": photo.height,
            "color": photo.colour,
            "description": photo.alt(query).capitalize() if described else None,
            "alt_description": photo.alt(query),
            "urls": {"raw": raw}
            | {size: f"{raw}&{sizing}" for size, sizing in UNSPLASH_SIZES.items()},
            "links": {
                "html": f"{site}/photos/{photo.id}",
                "download_location": f"{site}/photos/{photo.id}/download?ixid={photo.id}",
            },
            "user": {
                "name": photo.photographer,
                "username": photo.username,
                "links": {"html": f"{site}/@{photo.username}"},
            },
        }


class PexelsApi:
    """`GET /v1/search` with the API key as the whole `Authorization` header, and its CDN."""

    def __init__(self, api_key: str, base_url: str) -> None:
        self._api_key = api_key
        self._base_url = base_url

    def routes(self) -> list[Route]:
        return [
            Route(f"{PEXELS_PREFIX}/search", self.search),
            Route(f"{PEXELS_PREFIX}/search/", self.search),
            Route(f"{PEXELS_IMAGES_PREFIX}/photos/{{photo_id:int}}/{{file_name}}", self.image),
        ]

    async def search(self, request: Request) -> Response:
        if request.headers.get("Authorization") != self._api_key:
            return JSONResponse({"status": 401, "code": "Unauthorized"}, status_code=401)
        query = request.query_params.get("query", "").strip()
        if not query:
            return JSONResponse({"status": 400, "code": "query is missing"}, status_code=400)
        try:
            page = _page(request.query_params, PEXELS_PER_PAGE, PEXELS_MAX_PER_PAGE, query)
        except BadParameter as error:
            return JSONResponse({"status": 400, "code": str(error)}, status_code=400)
        answer: dict[str, Any] = {
            "page": page.number,
            "per_page": page.size,
            "photos": [
                self._photo(StockPhoto.of(str(pexels_id(query, index))), query)
                for index in page.indexes
            ],
            "total_results": page.total,
        }
        if page.number < page.count:
            answer["next_page"] = self._page_url(query, page.number + 1, page.size)
        if 1 < page.number <= page.count:
            answer["prev_page"] = self._page_url(query, page.number - 1, page.size)
        return JSONResponse(answer)

    async def image(self, request: Request) -> Response:
        photo_id = request.path_params["photo_id"]
        if request.path_params["file_name"] != f"pexels-photo-{photo_id}.jpeg":
            return PlainTextResponse("Not Found", status_code=404)
        return _jpeg(StockPhoto.of(str(photo_id)), request.query_params)

    def _page_url(self, query: str, number: int, size: int) -> str:
        page = QueryParams({"page": number, "per_page": size, "query": query})
        return f"{self._base_url}{PEXELS_PREFIX}/search/?{page}"

    def _photo(self, photo: StockPhoto, query: str) -> dict[str, Any]:
        original = (
            f"{self._base_url}{PEXELS_IMAGES_PREFIX}/photos/{photo.id}/pexels-photo-{photo.id}.jpeg"
        )
        alt = photo.alt(query)
        slug = re.sub(r"[^a-z0-9]+", "-", alt.lower()).strip("-")
        site = f"{self._base_url}/pexels"
        return {
            "id": int(photo.id),
            "width": photo.width,
            "height": photo.height,
            "url": f"{site}/photo/{slug}-{photo.id}/",
            "photographer": photo.photographer,
            "photographer_url": f"{site}/@{photo.username}",
            "avg_color": photo.colour.upper(),
            "src": {"original": original}
            | {size: f"{original}?{sizing}" for size, sizing in PEXELS_SIZES.items()},
            "alt": alt.capitalize(),
        }


def unsplash_id(query: str, index: int) -> str:
    digest = _digest("unsplash", query.casefold(), index)
    return base64.urlsafe_b64encode(digest).decode()[:11]


def pexels_id(query: str, index: int) -> int:
    return 1_000_000 + int.from_bytes(_digest("pexels", query.casefold(), index)[:4]) % 9_000_000


def unsplash_error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"errors": [message]}, status_code=status)


def _page(params: QueryParams, default_size: int, max_size: int, query: str) -> Page:
    """The page asked for (sizes above the service's maximum are cut to it) of the query's
    results, whose number follows from the query."""
    number = _positive(params, "page", whole=True) or 1
    size = min(_positive(params, "per_page", whole=True) or default_size, max_size)
    spread = MOST_RESULTS - FEWEST_RESULTS + 1
    total = FEWEST_RESULTS + _digest("results", query.casefold())[0] % spread
    return Page(int(number), int(size), total)


def _positive(params: QueryParams, name: str, *, whole: bool = False) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not 0 < number < math.inf or (whole and not number.is_integer()):
        kind = "whole number" if whole else "number"
        raise BadParameter(f"{name} must be a positive {kind}, not {value!r}")
    return number


def _client_id(request: Request) -> str | None:
    """The access key, from `Authorization: Client-ID <key>` or the `client_id` parameter."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme == "Client-ID":
        return key.strip()
    return request.query_params.get("client_id")


def _jpeg(photo: StockPhoto, params: QueryParams) -> Response:
    try:
        image = photo.jpeg(params)
    except BadParameter as error:
        return PlainTextResponse(str(error), status_code=400)
    return Response(image, media_type="image/jpeg")


def _side(pixels: float) -> int:
    return max(1, min(MAX_SIDE_PIXELS, round(pixels)))


def _image_seed(photo_id: str) -> bytes:
    return _digest("image", photo_id)


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("\n".join(str(part) for part in parts).encode()).digest()
