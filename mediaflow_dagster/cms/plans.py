"""What a platform's specs make of a campaign object: its content adapted to the platform, and
what the platform refuses of it (each reason with its fix). The publishing runs plan with it;
the publish request checks with it before it stores anything."""

from __future__ import annotations

from typing import Any

from mediaflow_dagster.cms.publishing import Plan
from mediaflow_dagster.specs import ContentFacts, MediaFacts, adapt, check_content, load_specs
from mediaflow_dagster.specs.facts import AdvertisementFacts, ArticleFacts


def plan_for(account: dict[str, Any], content: dict[str, Any]) -> Plan:
    """The content adapted to the account's platform, and what its current specs refuse."""
    specs = load_specs()
    spec = specs.platforms[account["platform"]]
    media = (
        MediaFacts(
            mime_type=content["media_mime_type"],
            bytes=content["media_bytes"],
            width=content["media_width"],
            height=content["media_height"],
            duration_seconds=content["media_duration_seconds"],
            codec=content["media_codec"],
        )
        if content["media_mime_type"]
        else None
    )
    facts = _content_facts(content, media)
    adapted = adapt(spec, facts).model_dump(mode="json")
    if adapted["advertisement"] is not None:
        adapted["advertisement"] |= _booking(content["advertisement"], content)
    return Plan(
        spec_version=specs.version,
        adapted_content={**adapted, "media_url": content["media_url"]},
        violations=[
            f"{violation.message}{FIX_OPENING}{violation.suggested_fix})"
            for violation in check_content(spec, facts)
        ],
    )


def _content_facts(content: dict[str, Any], media: MediaFacts | None) -> ContentFacts:
    """What the specs check: a post's text, title, hashtags and media; an article's fields with
    its canonical link and cover; an ad's text fields with its destination and creative, its
    primary text as the post's text."""
    article, ad = content.get("article"), content.get("advertisement")
    if article is not None:
        return ContentFacts(
            object_type="article",
            text=article.get("summary"),
            title=content["title"],
            link=article.get("canonical_url"),
            media=media,
            article=ArticleFacts.model_validate(
                {key: article.get(key) for key in ("body", "body_format", "summary")}
            ),
        )
    if ad is not None:
        return ContentFacts(
            object_type="advertisement",
            text=ad["primary_text"],
            link=ad["destination_url"],
            media=media,
            advertisement=AdvertisementFacts.model_validate(
                {
                    key: ad[key]
                    for key in ("headline", "primary_text", "call_to_action", "objective")
                }
            ),
        )
    return ContentFacts(
        object_type=content["object_type"],
        text=content["content_text"],
        title=content["title"],
        hashtags=content["hashtags"] or [],
        link=None,
        media=media,
    )


def _booking(ad: dict[str, Any], content: dict[str, Any]) -> dict[str, Any]:
    """What an ad product needs besides the ad's text: where it leads, what it costs, when it
    runs, and the creative it promotes."""
    return {
        "destination_url": ad["destination_url"],
        "budget": ad["budget"],
        "schedule": ad["schedule"],
        "creative_url": content["media_url"],
        "creative_type": content["media_mime_type"],
    }


FIX_OPENING = " (fix: "
