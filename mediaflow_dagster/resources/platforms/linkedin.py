"""LinkedIn organization share statistics (Community Management API, versioned REST):
`organizationalEntityShareStatistics`, one organization and up to 20 of its shares a request.

LinkedIn publishes no maximum for the `shares` list; 20 keeps the Rest.li 2.0 query well
under URL length limits. A share LinkedIn does not count for the organization (deleted, or
another organization's) is left out of `elements`: it is missing, not an error.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime
from urllib.parse import quote

import httpx

from mediaflow_dagster.resources.platforms.client import PlatformClient
from mediaflow_dagster.resources.platforms.collector import InsightsCollector
from mediaflow_dagster.resources.platforms.readings import (
    Collected,
    CredentialRefused,
    MetricReading,
    PlatformRefused,
    PublishedPost,
    in_batches,
    observed_at,
)

SHARE_STATISTICS = (
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
    "likeCount",
    "commentCount",
    "shareCount",
)
SHARES_PER_REQUEST = 20
ORGANIZATION_URN_PREFIX = "urn:li:organization:"
UGC_POST_URN_PREFIX = "urn:li:ugcPost:"


class LinkedInInsights(InsightsCollector):
    platform = "linkedin"

    def __init__(self, api_url: str, access_token: str, linkedin_version: str) -> None:
        self._url = f"{api_url.rstrip('/')}/organizationalEntityShareStatistics"
        self._headers = {
            "Authorization": f"Bearer {access_token}",
            "LinkedIn-Version": linkedin_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        self.api_version = linkedin_version

    async def collect(
        self, client: PlatformClient, posts: list[PublishedPost], hour_end: datetime
    ) -> Collected:
        by_organization: defaultdict[str, list[PublishedPost]] = defaultdict(list)
        for post in posts:
            by_organization[organization_urn(post.external_account_id)].append(post)
        parts = await asyncio.gather(
            *(
                self._read(client, organization, batch)
                for organization, its_posts in by_organization.items()
                for batch in in_batches(its_posts, SHARES_PER_REQUEST)
            )
        )
        collected = Collected()
        for part in parts:
            collected.add(part)
        return collected

    async def _read(
        self, client: PlatformClient, organization: str, posts: list[PublishedPost]
    ) -> Collected:
        batch = {post.external_post_id: post for post in posts}
        response = await client.get(
            self._query_url(organization, list(batch)), headers=self._headers
        )
        if response.status_code in (401, 403):
            raise CredentialRefused(_refusal(response))
        if response.status_code != 200:
            raise PlatformRefused(_refusal(response))
        collected_at = observed_at(response)
        readings = []
        for element in response.json().get("elements", []):
            post = batch.pop(element.get("share") or element.get("ugcPost"), None)
            if post is None:
                continue
            statistics = element.get("totalShareStatistics", {})
            readings += [
                MetricReading(
                    post.publication_id,
                    post.external_post_id,
                    name,
                    statistics.get(name),
                    collected_at,
                )
                for name in SHARE_STATISTICS
            ]
        return Collected(readings=readings, missing=list(batch))

    def _query_url(self, organization: str, urns: list[str]) -> str:
        """Rest.li 2.0: `List(...)` literal, every URN in it URL-encoded."""
        lists = {
            "ugcPosts": [urn for urn in urns if urn.startswith(UGC_POST_URN_PREFIX)],
            "shares": [urn for urn in urns if not urn.startswith(UGC_POST_URN_PREFIX)],
        }
        query = [f"q=organizationalEntity&organizationalEntity={quote(organization, safe='')}"]
        query += [
            f"{parameter}=List({','.join(quote(urn, safe='') for urn in listed)})"
            for parameter, listed in lists.items()
            if listed
        ]
        return f"{self._url}?{'&'.join(query)}"


def organization_urn(account: str) -> str:
    """The organization as LinkedIn names it, whether the account holds a bare id or the URN."""
    return f"{ORGANIZATION_URN_PREFIX}{account.removeprefix(ORGANIZATION_URN_PREFIX)}"


def _refusal(response: httpx.Response) -> str:
    try:
        error = response.json()
    except ValueError:
        error = {}
    return (
        f"LinkedIn {response.status_code} {error.get('code', '')}: "
        f"{error.get('message', response.text[:200])}"
    )
