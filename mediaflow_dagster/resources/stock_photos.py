"""Stock photo search on Unsplash (API v1) and Pexels (API v1) behind one Dagster resource: the
photos a query finds, with the full-size file, a preview and the photographer to credit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import Field

from mediaflow_dagster.resources.http import HttpResource, send, shared_client
from mediaflow_dagster.settings import variable_name

PROVIDERS = ("unsplash", "pexels")
KEY_VARIABLES = {
    "unsplash": variable_name("unsplash_access_key"),
    "pexels": variable_name("pexels_api_key"),
}


class PhotoSearchRefused(RuntimeError):
    """The provider refused the search (a wrong key, a spent rate limit): retrying will not help."""


@dataclass(frozen=True)
class FoundPhoto:
    source: str
    external_id: str
    title: str
    summary: str | None
    url: str
    preview_url: str
    author: str
    author_url: str
    width: int
    height: int


class StockPhotos(HttpResource):
    secrets: ClassVar[tuple[str, ...]] = ("unsplash_access_key", "pexels_api_key")

    unsplash_api_url: str = "https://api.unsplash.com"
    unsplash_access_key: str = Field(description="Unsplash API access key (secret).")
    pexels_api_url: str = "https://api.pexels.com/v1"
    pexels_api_key: str = Field(description="Pexels API key (secret).")
    stock_photos_per_query: int = Field(default=10, ge=1, le=80)

    def search(self, provider: str, query: str) -> list[FoundPhoto]:
        """The first page of photos `provider` finds for `query`."""
        match provider:
            case "unsplash":
                return self._search_unsplash(query)
            case "pexels":
                return self._search_pexels(query)
        raise ValueError(f"no photo provider named {provider!r}; there are {PROVIDERS}")

    def _search_unsplash(self, query: str) -> list[FoundPhoto]:
        answer = self._get(
            "unsplash",
            f"{self.unsplash_api_url.rstrip('/')}/search/photos",
            {"query": query, "per_page": self.stock_photos_per_query},
            {"Authorization": f"Client-ID {self.unsplash_access_key}", "Accept-Version": "v1"},
        )
        return [
            FoundPhoto(
                source="unsplash",
                external_id=photo["id"],
                title=photo.get("description") or photo.get("alt_description") or query,
                summary=photo.get("alt_description"),
                url=photo["urls"]["full"],
                preview_url=photo["urls"]["small"],
                author=photo["user"]["name"],
                author_url=photo["user"]["links"]["html"],
                width=photo["width"],
                height=photo["height"],
            )
            for photo in answer["results"]
        ]

    def _search_pexels(self, query: str) -> list[FoundPhoto]:
        answer = self._get(
            "pexels",
            f"{self.pexels_api_url.rstrip('/')}/search",
            {"query": query, "per_page": self.stock_photos_per_query},
            {"Authorization": self.pexels_api_key},
        )
        return [
            FoundPhoto(
                source="pexels",
                external_id=str(photo["id"]),
                title=photo.get("alt") or query,
                summary=photo.get("alt"),
                url=photo["src"]["original"],
                preview_url=photo["src"]["medium"],
                author=photo["photographer"],
                author_url=photo["photographer_url"],
                width=photo["width"],
                height=photo["height"],
            )
            for photo in answer["photos"]
        ]

    def _get(
        self, provider: str, url: str, params: dict[str, Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        response = send(
            shared_client(self.http_timeout_seconds),
            lambda client: client.get(url, params=params, headers=headers),
            max_attempts=self.http_max_attempts,
            idempotent=True,
        )
        if response.status_code == 401:
            raise PhotoSearchRefused(
                f"{provider} refused the API key (HTTP 401 {response.text[:200]}): "
                f"check {KEY_VARIABLES[provider]}"
            )
        if response.is_error:
            raise PhotoSearchRefused(
                f"{provider} refused the search for {params['query']!r}: "
                f"HTTP {response.status_code} {response.text[:200]}"
            )
        return response.json()
