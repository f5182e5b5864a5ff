"""What search finds, built from the ops store: one document per campaign, campaign object and
media file (an object's file and each platform's rendition of it).

Every kind of document comes from a `DocumentSource`; the index knows nothing of campaigns or
media beyond the sources listed in `SOURCES`. Menus come in as one more source: a class with a
`type`, the documents changed since a time, and the ids of every document it would make now.

A document names in `refs` every entity whose data it carries (`campaign:1`, `object:12`, and
for sources that hold people's data, `contact:5`): erasing an entity removes each document that
refers to it (`SearchIndex.erase`). Personal data a search has no use for (a campaign owner's
email) is never put in a document.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import PurePosixPath
from typing import Any, ClassVar, Protocol
from urllib.parse import unquote, urlparse

from sqlalchemy import Connection, func, or_, select

from mediaflow_dagster.cms.schema import (
    campaign_objects,
    campaign_targets,
    campaigns,
    media_renditions,
    social_accounts,
)

Document = dict[str, Any]


def document_id(type_: str, *parts: object) -> str:
    """A document's id: Meilisearch takes letters, digits, `-` and `_` only."""
    return "-".join([type_, *(str(part) for part in parts)])


def _timestamp(moment: date | datetime | None) -> int | None:
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time())
    return int(moment.replace(tzinfo=UTC).timestamp())


def new_document(
    type_: str,
    id_: str,
    *,
    title: str,
    text: str | None,
    refs: list[str],
    moment: date | datetime | None,
    **fields: Any,
) -> Document:
    """A document in the one shape every backend indexes; `fields` are the filterable and
    displayed facts (status, kind, platforms, campaign, media facts)."""
    return {
        "id": id_,
        "type": type_,
        "title": title,
        "text": text or "",
        "hashtags": [],
        "status": None,
        "kind": None,
        "platforms": [],
        "campaign_id": None,
        "campaign": None,
        "date": moment.isoformat() if moment else None,
        "timestamp": _timestamp(moment),
        "refs": refs,
        **fields,
    }


@dataclass(frozen=True)
class Campaigns:
    """What documents of every kind take from their campaign: its name and the platforms of the
    accounts it targets now."""

    names: dict[int, str]
    platforms: dict[int, list[str]]
    touched: set[int] | None
    """Campaigns changed (themselves or their targets) since the synchronisation's start; None
    on a full rebuild."""

    @classmethod
    def read(cls, connection: Connection, since: datetime | None) -> Campaigns:
        names = dict(connection.execute(select(campaigns.c.id, campaigns.c.name)).all())
        platforms: dict[int, set[str]] = defaultdict(set)
        targets = select(campaign_targets.c.campaign_id, social_accounts.c.platform).join(
            social_accounts, social_accounts.c.id == campaign_targets.c.social_account_id
        )
        for campaign_id, platform in connection.execute(
            targets.where(campaign_targets.c.is_active)
        ):
            platforms[campaign_id].add(platform)
        touched = None
        if since is not None:
            touched = set(
                connection.execute(
                    select(campaigns.c.id).where(campaigns.c.updated_at > since)
                ).scalars()
            ) | set(
                connection.execute(
                    select(campaign_targets.c.campaign_id).where(
                        or_(
                            campaign_targets.c.created_at > since,
                            campaign_targets.c.revoked_at > since,
                        )
                    )
                ).scalars()
            )
        return cls(names, {key: sorted(value) for key, value in platforms.items()}, touched)


class DocumentSource(Protocol):
    type: ClassVar[str]

    def changed(
        self, connection: Connection, since: datetime | None, campaigns: Campaigns
    ) -> Iterable[Document]:
        """The documents of what changed after `since` (every document when None)."""

    def live_ids(self, connection: Connection) -> set[str]:
        """The id of every document the ops store's rows make now."""


class CampaignSource:
    type: ClassVar[str] = "campaign"

    def changed(
        self, connection: Connection, since: datetime | None, facts: Campaigns
    ) -> Iterable[Document]:
        query = select(
            campaigns.c.id,
            campaigns.c.name,
            campaigns.c.description,
            campaigns.c.topics,
            campaigns.c.status,
            campaigns.c.start_date,
            campaigns.c.end_date,
        )
        if facts.touched is not None:
            query = query.where(campaigns.c.id.in_(facts.touched))
        for row in connection.execute(query):
            yield new_document(
                self.type,
                document_id(self.type, row.id),
                title=row.name,
                text=" ".join([row.description or "", *row.topics]).strip(),
                refs=[f"campaign:{row.id}"],
                moment=row.start_date,
                status=row.status,
                platforms=facts.platforms.get(row.id, []),
                campaign_id=row.id,
                campaign=row.name,
                end_date=row.end_date.isoformat(),
            )

    def live_ids(self, connection: Connection) -> set[str]:
        return {
            document_id(self.type, id_)
            for id_ in connection.execute(select(campaigns.c.id)).scalars()
        }


def _objects_changed(since: datetime | None, facts: Campaigns):
    """The condition on `campaign_objects` of what changed after `since`: the object itself, or
    the campaign it belongs to."""
    if since is None:
        return None
    return or_(
        campaign_objects.c.updated_at > since,
        campaign_objects.c.campaign_id.in_(facts.touched or set()),
    )


class ObjectSource:
    type: ClassVar[str] = "object"

    def changed(
        self, connection: Connection, since: datetime | None, facts: Campaigns
    ) -> Iterable[Document]:
        query = select(
            campaign_objects.c.id,
            campaign_objects.c.campaign_id,
            campaign_objects.c.object_type,
            campaign_objects.c.title,
            campaign_objects.c.content_text,
            campaign_objects.c.hashtags,
            campaign_objects.c.status,
            campaign_objects.c.approved_at,
            campaign_objects.c.scheduled_time,
            campaign_objects.c.created_at,
        )
        condition = _objects_changed(since, facts)
        if condition is not None:
            query = query.where(condition)
        for row in connection.execute(query):
            yield new_document(
                self.type,
                document_id(self.type, row.id),
                title=row.title,
                text=row.content_text,
                refs=[f"campaign:{row.campaign_id}", f"object:{row.id}"],
                moment=row.scheduled_time or row.created_at,
                hashtags=list(row.hashtags or []),
                status=row.status,
                kind=row.object_type,
                platforms=facts.platforms.get(row.campaign_id, []),
                campaign_id=row.campaign_id,
                campaign=facts.names.get(row.campaign_id),
                approved=row.approved_at is not None,
                approved_at=row.approved_at.isoformat() if row.approved_at else None,
            )

    def live_ids(self, connection: Connection) -> set[str]:
        return {
            document_id(self.type, id_)
            for id_ in connection.execute(select(campaign_objects.c.id)).scalars()
        }


def file_name(url: str | None) -> str | None:
    """The file name at the end of a media URL's path."""
    if not url:
        return None
    return unquote(PurePosixPath(urlparse(url).path).name) or None


def _media_kind(object_type: str, mime_type: str | None) -> str:
    return (mime_type or "").partition("/")[0] or object_type


class MediaSource:
    """An object's file (`media-<object>`) and its rendition for each platform
    (`media-<object>-<platform>`)."""

    type: ClassVar[str] = "media"

    def changed(
        self, connection: Connection, since: datetime | None, facts: Campaigns
    ) -> Iterable[Document]:
        objects = select(
            campaign_objects.c.id,
            campaign_objects.c.campaign_id,
            campaign_objects.c.object_type,
            campaign_objects.c.title,
            campaign_objects.c.status,
            campaign_objects.c.media_url,
            campaign_objects.c.media_mime_type,
            campaign_objects.c.media_width,
            campaign_objects.c.media_height,
            campaign_objects.c.media_duration_seconds,
            campaign_objects.c.ready_at,
            campaign_objects.c.created_at,
        ).where(campaign_objects.c.media_url.is_not(None))
        condition = _objects_changed(since, facts)
        if condition is not None:
            objects = objects.where(condition)
        owners: dict[int, Any] = {}
        for row in connection.execute(objects):
            owners[row.id] = row
            yield self._document(
                document_id(self.type, row.id),
                row,
                facts,
                name=file_name(row.media_url),
                mime_type=row.media_mime_type,
                facts_of=row,
                platforms=facts.platforms.get(row.campaign_id, []),
                moment=row.ready_at or row.created_at,
            )
        renditions = select(media_renditions).where(media_renditions.c.media_url.is_not(None))
        if since is not None:
            renditions = renditions.where(
                or_(
                    media_renditions.c.object_id.in_(owners),
                    media_renditions.c.created_at > since,
                    media_renditions.c.inspected_at > since,
                    media_renditions.c.campaign_id.in_(facts.touched or set()),
                )
            )
        for rendition in connection.execute(renditions):
            owner = (
                owners.get(rendition.object_id)
                or connection.execute(
                    select(
                        campaign_objects.c.id,
                        campaign_objects.c.campaign_id,
                        campaign_objects.c.object_type,
                        campaign_objects.c.title,
                        campaign_objects.c.status,
                    ).where(campaign_objects.c.id == rendition.object_id)
                ).one()
            )
            yield self._document(
                document_id(self.type, rendition.object_id, rendition.platform),
                owner,
                facts,
                name=rendition.file_name or file_name(rendition.media_url),
                mime_type=rendition.media_mime_type,
                facts_of=rendition,
                platforms=[rendition.platform],
                moment=rendition.inspected_at or rendition.created_at,
            )

    def _document(
        self,
        id_: str,
        owner: Any,
        facts: Campaigns,
        *,
        name: str | None,
        mime_type: str | None,
        facts_of: Any,
        platforms: list[str],
        moment: datetime,
    ) -> Document:
        kind = _media_kind(owner.object_type, mime_type)
        return new_document(
            self.type,
            id_,
            title=name or owner.title,
            text=f"{owner.title} {kind}",
            refs=[f"campaign:{owner.campaign_id}", f"object:{owner.id}"],
            moment=moment,
            status=owner.status,
            kind=kind,
            platforms=platforms,
            campaign_id=owner.campaign_id,
            campaign=facts.names.get(owner.campaign_id),
            object_id=owner.id,
            file_name=name,
            mime_type=mime_type,
            duration_seconds=facts_of.media_duration_seconds,
            width=facts_of.media_width,
            height=facts_of.media_height,
        )

    def live_ids(self, connection: Connection) -> set[str]:
        originals = connection.execute(
            select(campaign_objects.c.id).where(campaign_objects.c.media_url.is_not(None))
        ).scalars()
        renditions = connection.execute(
            select(media_renditions.c.object_id, media_renditions.c.platform).where(
                media_renditions.c.media_url.is_not(None)
            )
        )
        return {document_id(self.type, id_) for id_ in originals} | {
            document_id(self.type, object_id, platform) for object_id, platform in renditions
        }


SOURCES: tuple[DocumentSource, ...] = (CampaignSource(), ObjectSource(), MediaSource())
DOCUMENT_TYPES: tuple[str, ...] = tuple(source.type for source in SOURCES)


def changed_documents(connection: Connection, since: datetime | None) -> Iterable[Document]:
    """Every source's documents changed after `since`; every document when None."""
    facts = Campaigns.read(connection, since)
    for source in SOURCES:
        yield from source.changed(connection, since, facts)


def live_document_ids(connection: Connection) -> set[str]:
    return set().union(*(source.live_ids(connection) for source in SOURCES))


def latest_change(connection: Connection) -> datetime | None:
    """When the ops store last changed anything documents are made of."""
    moments = [
        select(func.max(campaigns.c.updated_at)),
        select(func.max(campaign_targets.c.created_at)),
        select(func.max(campaign_targets.c.revoked_at)),
        select(func.max(campaign_objects.c.updated_at)),
        select(func.max(media_renditions.c.created_at)),
        select(func.max(media_renditions.c.inspected_at)),
    ]
    found = [connection.execute(query).scalar() for query in moments]
    return max((moment for moment in found if moment is not None), default=None)
