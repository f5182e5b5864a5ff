"""Ground truth for search: a small ops store of campaigns, objects and media with the queries
people type and what they expect on top (the relevance suite), and a large synthetic one with
fixed queries (the benchmark). Rows go straight into the ops store's tables, as the API and the
runs would have left them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert

from mediaflow_dagster.cms.database import utcnow
from mediaflow_dagster.cms.schema import (
    campaign_objects,
    campaign_targets,
    campaigns,
    media_renditions,
    social_accounts,
)
from mediaflow_dagster.cms.search.query import fold

ACCOUNTS = {
    "facebook": "page",
    "instagram": "business",
    "youtube": "channel",
    "linkedin": "page",
    "tiktok": "profile",
    "x": "profile",
}


@dataclass(frozen=True)
class CorpusObject:
    title: str
    text: str
    object_type: str = "text"
    hashtags: tuple[str, ...] = ()
    status: str = "draft"
    media_file: str | None = None
    renditions: tuple[str, ...] = ()
    days_after_start: int = 0


@dataclass(frozen=True)
class CorpusCampaign:
    name: str
    description: str
    topics: tuple[str, ...]
    platforms: tuple[str, ...]
    start: date
    status: str = "active"
    objects: tuple[CorpusObject, ...] = ()


RELEVANCE_CAMPAIGNS = (
    CorpusCampaign(
        "Lancement Produit X",
        "Campagne de lancement du nouveau produit X",
        ("lancement", "produit"),
        ("facebook", "instagram", "youtube"),
        date(2026, 11, 1),
        objects=(
            CorpusObject(
                "La vidéo du lancement",
                "Découvrez en vidéo le lancement du produit X, filmé dans nos ateliers",
                "video",
                ("lancement", "produitx"),
                "approved",
                "lancement-produit-x.mp4",
                ("instagram", "youtube"),
            ),
            CorpusObject(
                "Affiche du lancement",
                "L'affiche officielle, en grand format pour les magasins",
                "image",
                ("produitx",),
                "ready",
                "affiche-lancement.jpg",
            ),
            CorpusObject(
                "Annonce presse",
                "Communiqué : le produit X arrive en magasin le 3 novembre",
                status="draft",
                days_after_start=2,
            ),
            CorpusObject(
                "Teaser produit X",
                "Trente secondes de teaser avant la sortie",
                "video",
                ("teaser",),
                "published",
                "teaser-produit-x.mp4",
                days_after_start=-5,
            ),
        ),
    ),
    CorpusCampaign(
        "Summer Sale 2026",
        "Discounts on the whole summer collection",
        ("summer", "sale"),
        ("instagram", "tiktok"),
        date(2026, 6, 15),
        objects=(
            CorpusObject(
                "Summer collection lookbook",
                "Our summer looks in a one minute video",
                "video",
                ("summer", "fashion"),
                "approved",
                "summer-lookbook.mp4",
                ("tiktok",),
            ),
            CorpusObject(
                "Beach banner",
                "Sunny beach banner for the sale",
                "image",
                ("summersale",),
                "ready",
                "beach-banner.png",
            ),
            CorpusObject(
                "Discount announcement",
                "Up to 50% off everything this weekend",
                hashtags=("sale",),
                status="published",
            ),
        ),
    ),
    CorpusCampaign(
        "Fête des mères",
        "Idées cadeaux pour la fête des mères",
        ("cadeaux",),
        ("facebook",),
        date(2026, 5, 20),
        objects=(
            CorpusObject(
                "Bouquet de fleurs",
                "Offrez des fleurs à votre maman",
                "image",
                ("fetedesmeres",),
                "approved",
                "bouquet-fleurs.jpg",
            ),
            CorpusObject(
                "Idées cadeaux",
                "Nos idées de cadeaux pour les mamans",
                hashtags=("fetedesmeres",),
            ),
        ),
    ),
    CorpusCampaign(
        "Recrutement ingénieurs",
        "Nous cherchons des ingénieurs data et logiciel",
        ("recrutement",),
        ("linkedin",),
        date(2026, 9, 1),
        objects=(
            CorpusObject(
                "Nous recrutons des ingénieurs",
                "Rejoignez notre équipe d'ingénieurs data",
                hashtags=("hiring", "recrutement"),
                status="published",
            ),
            CorpusObject(
                "Journée type d'une ingénieure",
                "Une journée avec Claire, ingénieure data, en vidéo",
                "video",
                ("recrutement",),
                "ready",
                "journee-ingenieure.mp4",
            ),
        ),
    ),
    CorpusCampaign(
        "Rentrée des classes",
        "Fournitures et conseils pour la rentrée",
        ("rentree",),
        ("facebook", "x"),
        date(2026, 8, 25),
        objects=tuple(
            CorpusObject(
                f"Conseil du jour {day}",
                f"Astuce numéro {day} pour bien préparer la rentrée : cartable, cahiers, agenda",
                hashtags=("rentree",),
                days_after_start=day,
            )
            for day in range(1, 9)
        ),
    ),
)


@dataclass(frozen=True)
class RelevanceCase:
    """A query and the titles of the documents that answer it (any order)."""

    name: str
    text: str
    relevant: tuple[str, ...]
    filters: dict[str, Any] = field(default_factory=dict)


LAUNCH_CAMPAIGN = (
    "Lancement Produit X",
    "La vidéo du lancement",
    "Affiche du lancement",
    "Annonce presse",
    "Teaser produit X",
    "lancement-produit-x.mp4",
    "lancement-produit-x-instagram.mp4",
    "lancement-produit-x-youtube.mp4",
    "affiche-lancement.jpg",
    "teaser-produit-x.mp4",
)
"""Every document of the launch campaign: each carries the campaign's name."""

RELEVANCE_CASES = (
    RelevanceCase("exact word", "teaser", ("Teaser produit X", "teaser-produit-x.mp4")),
    RelevanceCase(
        "exact words",
        "bouquet fleurs",
        ("Bouquet de fleurs", "bouquet-fleurs.jpg"),
    ),
    RelevanceCase(
        "typo",
        "lancment",
        LAUNCH_CAMPAIGN,
    ),
    RelevanceCase(
        "two typos",
        "ingenieures recrutmeent",
        (
            "Recrutement ingénieurs",
            "Nous recrutons des ingénieurs",
            "Journée type d'une ingénieure",
            "journee-ingenieure.mp4",
        ),
    ),
    RelevanceCase(
        "typo in English",
        "lookbok",
        ("Summer collection lookbook", "summer-lookbook.mp4", "summer-lookbook-tiktok.mp4"),
    ),
    RelevanceCase(
        "accents left out",
        "fete des meres",
        ("Fête des mères", "Bouquet de fleurs", "Idées cadeaux", "bouquet-fleurs.jpg"),
    ),
    RelevanceCase(
        "accents added",
        "journée",
        ("Journée type d'une ingénieure", "journee-ingenieure.mp4"),
    ),
    RelevanceCase(
        "French plural",
        "vidéos lancement",
        ("La vidéo du lancement", "lancement-produit-x.mp4"),
    ),
    RelevanceCase(
        "French singular",
        "fleur",
        ("Bouquet de fleurs", "bouquet-fleurs.jpg"),
    ),
    RelevanceCase(
        "hashtag",
        "#produitx",
        ("La vidéo du lancement", "Affiche du lancement"),
    ),
    RelevanceCase("hashtag in English", "#summersale", ("Beach banner",)),
    RelevanceCase(
        "type filter",
        "lancement",
        (
            "lancement-produit-x.mp4",
            "lancement-produit-x-instagram.mp4",
            "lancement-produit-x-youtube.mp4",
            "affiche-lancement.jpg",
        ),
        {"type": "media"},
    ),
    RelevanceCase(
        "platform filter",
        "summer",
        ("Summer Sale 2026", "Summer collection lookbook", "summer-lookbook-tiktok.mp4"),
        {"platform": "tiktok"},
    ),
    RelevanceCase(
        "status filter",
        "recrutement",
        ("Nous recrutons des ingénieurs",),
        {"status": "published"},
    ),
    RelevanceCase(
        "synonym across languages",
        "launch",
        LAUNCH_CAMPAIGN,
    ),
    RelevanceCase(
        "exclusion",
        "recrutement -vidéo",
        ("Recrutement ingénieurs", "Nous recrutons des ingénieurs"),
    ),
    RelevanceCase("last word as a prefix", "lanc", LAUNCH_CAMPAIGN),
    RelevanceCase(
        "English word in a French campaign",
        "hiring",
        ("Nous recrutons des ingénieurs",),
    ),
    RelevanceCase(
        "phrase",
        '"produit x"',
        LAUNCH_CAMPAIGN,
    ),
)


def _account_ids(engine: Engine, now: datetime) -> dict[str, int]:
    with engine.begin() as connection:
        return {
            platform: connection.execute(
                insert(social_accounts)
                .values(
                    platform=platform,
                    name=f"Mediaflow {platform}",
                    account_type=account_type,
                    external_account_id=f"corpus-{platform}",
                    status="active",
                    created_at=now,
                    updated_at=now,
                )
                .returning(social_accounts.c.id)
            ).scalar_one()
            for platform, account_type in ACCOUNTS.items()
        }


def land_campaigns(
    engine: Engine, corpus: Iterable[CorpusCampaign], written_at: datetime | None = None
) -> None:
    """The corpus's campaigns, their targets, objects, media files and renditions, as if
    written at `written_at` (now by default)."""
    now = written_at or utcnow()
    accounts = _account_ids(engine, now)
    with engine.begin() as connection:
        for campaign in corpus:
            campaign_id = connection.execute(
                insert(campaigns)
                .values(
                    name=campaign.name,
                    description=campaign.description,
                    topics=list(campaign.topics),
                    budget=Decimal("1000.00"),
                    currency="EUR",
                    start_date=campaign.start,
                    end_date=campaign.start + timedelta(days=30),
                    status=campaign.status,
                    created_at=now,
                    updated_at=now,
                    owner_email="owner@example.com",
                )
                .returning(campaigns.c.id)
            ).scalar_one()
            connection.execute(
                insert(campaign_targets),
                [
                    {
                        "campaign_id": campaign_id,
                        "social_account_id": accounts[platform],
                        "is_active": True,
                        "created_at": now,
                    }
                    for platform in campaign.platforms
                ],
            )
            for item in campaign.objects:
                land_object(connection, campaign_id, campaign.start, item, now)


def land_object(connection, campaign_id: int, start: date, item: CorpusObject, now) -> None:
    moment = datetime.combine(start, datetime.min.time()) + timedelta(days=item.days_after_start)
    media = (
        {
            "media_url": f"https://media.example.com/{item.media_file}",
            "media_mime_type": _mime(item.media_file),
            "media_width": 1920,
            "media_height": 1080,
            "media_duration_seconds": 30.0 if item.object_type == "video" else None,
        }
        if item.media_file
        else {}
    )
    object_id = connection.execute(
        insert(campaign_objects)
        .values(
            campaign_id=campaign_id,
            object_type=item.object_type,
            title=item.title,
            sources=[],
            config={},
            status=item.status,
            content_text=item.text,
            hashtags=list(item.hashtags),
            approved_at=now if item.status in ("approved", "published") else None,
            scheduled_time=moment,
            created_at=now,
            updated_at=now,
            **media,
        )
        .returning(campaign_objects.c.id)
    ).scalar_one()
    for platform in item.renditions:
        stem, _, suffix = item.media_file.rpartition(".")
        name = f"{stem}-{platform}.{suffix}"
        connection.execute(
            insert(media_renditions).values(
                object_id=object_id,
                campaign_id=campaign_id,
                platform=platform,
                file_name=name,
                media_url=f"https://media.example.com/{name}",
                media_mime_type=_mime(name),
                media_width=1080,
                media_height=1920,
                media_duration_seconds=30.0 if item.object_type == "video" else None,
                created_at=now,
            )
        )


def _mime(file_name: str) -> str:
    suffix = file_name.rpartition(".")[2]
    return {"mp4": "video/mp4", "jpg": "image/jpeg", "png": "image/png"}.get(suffix, "text/plain")


_COMMON_WORDS = (
    "lancement produit vidéo affiche promotion soldes été hiver printemps automne collection "
    "nouveauté recette menu cuisine restaurant chef saison offre cadeau fête famille enfants "
    "rentrée école sport santé voyage plage montagne ville nature jardin maison décoration "
    "launch product video poster sale summer winter spring autumn collection new recipe menu "
    "kitchen restaurant chef season offer gift party family children school sport health travel "
    "beach mountain city nature garden home decoration teaser interview tutorial behind scenes"
)
COMMON_WORDS = tuple(dict.fromkeys(_COMMON_WORDS.split()))
RARE_WORDS = 6000
"""Made-up words past the common ones, drawn less the further down the list (a Zipf-like
vocabulary, as real text has)."""


def _vocabulary(draw: random.Random) -> tuple[list[str], list[float]]:
    syllables = [c + v for c in "bcdfglmnprstv" for v in "aeiou"]
    rare = {"".join(draw.choices(syllables, k=draw.randint(2, 4))) for _ in range(RARE_WORDS * 2)}
    words = list(COMMON_WORDS) + sorted(rare - set(COMMON_WORDS))[:RARE_WORDS]
    return words, [1 / (rank + 1) for rank in range(len(words))]


SYNTHETIC_TYPES = ("video", "image", "text", "audio")
SYNTHETIC_STATUSES = ("draft", "ready", "approved", "published", "failed")


def synthetic_campaigns(objects: int, per_campaign: int = 100, seed: int = 16):
    """`objects` campaign objects in campaigns of `per_campaign`, words drawn from a French and
    English vocabulary with a seed: the same corpus every time. One object in four has a media
    file."""
    draw = random.Random(seed)
    vocabulary, weights = _vocabulary(draw)

    def some(count: int) -> list[str]:
        return draw.choices(vocabulary, weights, k=count)

    platforms = list(ACCOUNTS)
    for number in range(max(1, objects // per_campaign)):
        items = []
        for index in range(per_campaign):
            object_type = SYNTHETIC_TYPES[index % len(SYNTHETIC_TYPES)]
            title = " ".join(some(4)).capitalize()
            items.append(
                CorpusObject(
                    title,
                    " ".join(some(24)),
                    object_type,
                    tuple(some(2)),
                    draw.choice(SYNTHETIC_STATUSES),
                    f"{'-'.join(fold(title).split())}-{number}-{index}.mp4"
                    if index % 4 == 0
                    else None,
                    days_after_start=draw.randrange(60),
                )
            )
        yield CorpusCampaign(
            f"Campagne {number} " + " ".join(some(2)),
            " ".join(some(12)),
            tuple(some(2)),
            tuple(draw.sample(platforms, k=2)),
            date(2026, 1, 1) + timedelta(days=draw.randrange(330)),
            objects=tuple(items),
        )


def synthetic_queries(count: int, seed: int = 1016) -> list[dict[str, Any]]:
    """Fixed queries for the benchmark: one or two words (common ones and rarer ones), one in
    three with a typo, one in three with a filter (type, platform or status)."""
    draw = random.Random(seed)
    vocabulary, weights = _vocabulary(random.Random(16))
    queries = []
    for index in range(count):
        words = draw.choices(vocabulary[:600], weights[:600], k=1 + index % 2)
        if index % 3 == 0 and len(words[0]) > 5:
            position = draw.randrange(1, len(words[0]))
            words[0] = words[0][:position] + words[0][position + 1 :]
        filters: dict[str, Any] = {}
        if index % 3 == 1:
            filters = draw.choice(
                [
                    {"type": "object"},
                    {"platform": draw.choice(list(ACCOUNTS))},
                    {"status": draw.choice(SYNTHETIC_STATUSES)},
                ]
            )
        queries.append({"text": " ".join(words), **filters})
    return queries


def precision_at(k: int, titles: list[str], case: RelevanceCase) -> float:
    """The share of the first `k` answers that are relevant, out of as many as there can be (a
    query with two relevant documents scores 1.0 with both in its top five)."""
    relevant = sum(1 for title in titles[:k] if title in case.relevant)
    return relevant / min(k, len(case.relevant))
