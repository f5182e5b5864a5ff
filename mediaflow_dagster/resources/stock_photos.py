"""Stock photo search on Unsplash (API v1) and Pexels (API v1) behind one Dagster resource: the
photos a query finds, with the full-size file, a preview and the photographer to credit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dagster import ConfigurableResource

from mediaflow_dagster.resources.http import send, shared_client
from mediaflow_dagster.settings import Settings

PROVIDERS = ("unsplash", "pexels")
KEY_SETTINGS = {
    "unsplash": "MEDIAFLOW_UNSPLASH_ACCESS_KEY",
    "pexels": "MEDIAFLOW_PEXELS_API_KEY",
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


class StockPhotos(ConfigurableResource):
    unsplash_api_url: str
    unsplash_access_key: str
    pexels_api_url: str
    pexels_api_key: str
    photos_per_query: int = 10
    timeout_seconds: float = 10.0
    max_attempts: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> StockPhotos:
        return cls(
            unsplash_api_url=settings.unsplash_api_url,
            unsplash_access_key=settings.unsplash_access_key,
            pexels_api_url=settings.pexels_api_url,
            pexels_api_key=settings.pexels_api_key,
            timeout_seconds=settings.http_timeout_seconds,
            max_attempts=settings.http_max_attempts,
        )

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
            {"query": query, "per_page": self.photos_per_query},
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
            {"query": query, "per_page": self.photos_per_query},
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
            shared_client(self.timeout_seconds),
            lambda client: client.get(url, params=params, headers=headers),
            max_attempts=self.max_attempts,
            idempotent=True,
        )
        if response.status_code == 401:
            raise PhotoSearchRefused(
                f"{provider} refused the API key (HTTP 401 {response.text[:200]}): "
                f"check {KEY_SETTINGS[provider]}"
            )
        if response.is_error:
            raise PhotoSearchRefused(
                f"{provider} refused the search for {params['query']!r}: "
                f"HTTP {response.status_code} {response.text[:200]}"
            )
        return response.json()
