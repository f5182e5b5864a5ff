"""A piece of content made to fit a platform's text limits, saying what was altered. Media are not
touched: `check_content`'s suggested fixes say how to re-render them."""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict

from mediaflow_dagster.specs.facts import AdvertisementFacts, ArticleFacts, ContentFacts
from mediaflow_dagster.specs.message import (
    as_hashtag,
    compose,
    cut_at_word_boundary,
    fits,
    inline_hashtag_count,
    unit_name,
)
from mediaflow_dagster.specs.schema import (
    AdvertisementSpec,
    ArticleDelivery,
    ArticleSpec,
    Platform,
    PlatformSpec,
    SpecVersion,
)


class AdaptedArticle(BaseModel):
    """An article as the platform takes it: the body as HTML (a markdown body rendered) where
    the platform publishes it in full, only the link card's fields where it shares a link."""

    model_config = ConfigDict(frozen=True)

    delivery: ArticleDelivery
    title: str
    body_html: str | None
    summary: str | None
    canonical_url: str | None


class AdaptedAdvertisement(BaseModel):
    """An ad's text as the ad product takes it, its call to action and objective in the
    platform's own codes (`headline` null where the format shows none)."""

    model_config = ConfigDict(frozen=True)

    product: str
    headline: str | None
    primary_text: str
    call_to_action: str
    objective: str


class AdaptedContent(BaseModel):
    """What goes to the platform, stored with the publication: `message` is the post's text as
    published; `hashtags` are those kept (in the message where the platform shows them there,
    otherwise for the platform's own tags); `link` is the URL the post points to, even where the
    message can only say "Link in bio"."""

    model_config = ConfigDict(frozen=True)

    platform: Platform
    spec_version: SpecVersion
    message: str
    title: str | None
    hashtags: list[str]
    link: str | None
    changes: list[str]
    article: AdaptedArticle | None = None
    advertisement: AdaptedAdvertisement | None = None


def adapt(spec: PlatformSpec, content: ContentFacts) -> AdaptedContent:
    changes: list[str] = []
    text = (content.text or "").strip()
    hashtags = _hashtags_within_limit(spec, text, content.hashtags, changes)
    text, hashtags = _fitted(spec, text, content.link, hashtags, changes)
    if content.link is not None and spec.link_placement == "link_in_bio":
        changes.append(
            f"replaced the link with a “Link in bio” line: links in {spec.platform} posts"
            " are not clickable"
        )
    return AdaptedContent(
        platform=spec.platform,
        spec_version=spec.version,
        message=compose(spec, text, content.link, hashtags),
        title=_title(spec, content.title, changes),
        hashtags=hashtags,
        link=content.link,
        changes=changes,
        article=(
            _article(spec.article, content.title or "", content.link, content.article)
            if spec.article and content.article
            else None
        ),
        advertisement=(
            _advertisement(spec.advertisement, content.advertisement)
            if spec.advertisement and content.advertisement
            else None
        ),
    )


def _article(
    spec: ArticleSpec, title: str, link: str | None, article: ArticleFacts
) -> AdaptedArticle:
    body = None
    if spec.delivery == "full_text":
        body = article.body if article.body_format == "html" else _MARKDOWN.render(article.body)
    return AdaptedArticle(
        delivery=spec.delivery,
        title=title,
        body_html=body,
        summary=article.summary,
        canonical_url=link,
    )


_MARKDOWN = MarkdownIt("commonmark")


def _advertisement(spec: AdvertisementSpec, ad: AdvertisementFacts) -> AdaptedAdvertisement:
    """The platform's codes for what it offers; what it does not offer is refused by
    `check_content`, and sent as mediaflow's own word meanwhile."""
    return AdaptedAdvertisement(
        product=spec.product,
        headline=ad.headline if spec.headline is not None else None,
        primary_text=ad.primary_text,
        call_to_action=spec.call_to_actions.get(ad.call_to_action, ad.call_to_action),
        objective=spec.objectives.get(ad.objective, ad.objective),
    )


def _hashtags_within_limit(
    spec: PlatformSpec, text: str, hashtags: Sequence[str], changes: list[str]
) -> list[str]:
    tags = [as_hashtag(tag) for tag in hashtags]
    limit = spec.hashtags.max_count
    if limit is None:
        return tags
    in_text = inline_hashtag_count(text)
    room = max(limit - in_text, 0)
    if len(tags) > room:
        of_text = f", {in_text} of them in the text" if in_text else ""
        changes.append(
            f"kept the first {room} of {len(tags)} hashtags:"
            f" {spec.platform} allows {limit} per post{of_text}"
        )
    return tags[:room]


def _fitted(
    spec: PlatformSpec, text: str, link: str | None, hashtags: list[str], changes: list[str]
) -> tuple[str, list[str]]:
    """Until the message fits: hashtags dropped from the end down to the recommended number,
    then the text cut at a word boundary, and if not even its first word fits, more hashtags
    dropped."""
    kept = list(hashtags)
    droppable = spec.hashtags.in_message
    floor = min(len(kept), spec.hashtags.recommended_max or len(kept)) if droppable else len(kept)
    fitted = text
    while not fits(compose(spec, fitted, link, kept), spec.message):
        if len(kept) > floor:
            kept.pop()
            continue
        fitted = cut_at_word_boundary(
            text, lambda stem: fits(compose(spec, stem, link, kept), spec.message)
        )
        if fitted or not kept or not droppable:
            break
        kept.pop()
        fitted = text
    if len(kept) < len(hashtags):
        changes.append(
            f"dropped the last {len(hashtags) - len(kept)} hashtags to make room for the text"
        )
    if fitted != text:
        changes.append(_text_cut(spec, fitted))
    return fitted, kept


def _text_cut(spec: PlatformSpec, fitted: str) -> str:
    limit = f"{spec.platform}'s {spec.message.max_length:,} {unit_name(spec.message)}"
    if not fitted:
        return f"dropped the text: not even its first word fits {limit}"
    return f"cut the text at a word boundary, with an ellipsis, to fit {limit}"


def _title(spec: PlatformSpec, title: str | None, changes: list[str]) -> str | None:
    limit = spec.title_max_length
    if title is None or limit is None or len(title) <= limit:
        return title
    changes.append(f"cut the title at a word boundary to {spec.platform}'s {limit} characters")
    return cut_at_word_boundary(title.strip(), lambda stem: len(stem) <= limit)
