"""A menu in each platform's format, as pure functions of the menu: the Facebook post, the
Instagram caption with its photo, the website's schema.org `Menu` JSON-LD and the Google
Business Profile `foodMenus` document; and what each platform refuses of it.

A platform that cannot show one item (by its specs) shows the menu without it; a platform that
cannot take the menu at all (an Instagram post without a photo) is refused with the reason; an
item none of the menu's platforms can show refuses the menu (`UnshowableItem`)."""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from mediaflow_dagster.communication.menus import (
    Allergen,
    Menu,
    MenuCategory,
    MenuItem,
    Photo,
)
from mediaflow_dagster.specs import ContentFacts, MediaFacts, check_content, load_specs

ALLERGEN_LABELS_FR = {
    Allergen.GLUTEN: "gluten",
    Allergen.CRUSTACEANS: "crustacés",
    Allergen.EGGS: "œufs",
    Allergen.FISH: "poisson",
    Allergen.PEANUTS: "arachides",
    Allergen.SOYBEANS: "soja",
    Allergen.MILK: "lait",
    Allergen.NUTS: "fruits à coque",
    Allergen.CELERY: "céleri",
    Allergen.MUSTARD: "moutarde",
    Allergen.SESAME: "sésame",
    Allergen.SULPHITES: "sulfites",
    Allergen.LUPIN: "lupin",
    Allergen.MOLLUSCS: "mollusques",
}
MENU_TYPE_LABELS_FR = {
    "regular": "La carte",
    "seasonal": "Menu de saison",
    "special": "Menu spécial",
}
GOOGLE_ALLERGENS = {
    Allergen.MILK: "DAIRY",
    Allergen.EGGS: "EGG",
    Allergen.FISH: "FISH",
    Allergen.PEANUTS: "PEANUT",
    Allergen.CRUSTACEANS: "SHELLFISH",
    Allergen.MOLLUSCS: "SHELLFISH",
    Allergen.SOYBEANS: "SOY",
    Allergen.NUTS: "TREE_NUT",
    Allergen.GLUTEN: "WHEAT",
}
"""Google's `Allergen` values; the five it lacks (celery, mustard, sesame, sulphites, lupin) are
written into the item's description so that none goes unsaid."""
GOOGLE_LABEL_MAX = 140
GOOGLE_DESCRIPTION_MAX = 1000
GOOGLE_PHOTO_TYPES = ("image/jpeg", "image/png")
GOOGLE_PHOTO_MAX_BYTES = 5_000_000
GOOGLE_PHOTO_MIN_SIDE = 250
"""Google Business Profile API, `FoodMenus` (labels up to 140 characters, descriptions up to
1,000) and the Business Profile photo guidelines (JPG or PNG, up to 5 MB, at least 250 px)."""
WEB_PHOTO_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/avif")
"""What every current browser displays: a HEIC or TIFF photo shows on none of them."""
NANOS = Decimal(1_000_000_000)
MORE_ON_THE_WEBSITE = "… et toute la carte sur notre site (lien en bio)"


class UnshowableItem(ValueError):
    """An item none of the menu's platforms can show: `field` names it in the menu."""

    def __init__(self, field: str, reasons: list[str]) -> None:
        super().__init__(f"no platform of the menu can show this item: {'; '.join(reasons)}")
        self.field = field
        self.reasons = reasons


@dataclass(frozen=True)
class Rendering:
    """Each platform's document, what a platform refuses of the menu as a whole, and the items
    a platform cannot show (left out of its document, each with the reason)."""

    documents: dict[str, dict[str, Any]]
    refusals: dict[str, str] = field(default_factory=dict)
    left_out: dict[str, list[str]] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """What the menu looks like everywhere: equal fingerprints, no visible difference."""
        material = json.dumps(
            [self.documents, self.refusals, self.left_out], sort_keys=True, ensure_ascii=False
        )
        return hashlib.sha256(material.encode()).hexdigest()


def price_text(price: Decimal, currency: str) -> str:
    """`12.5`, EUR → `12,50 €`: the French way."""
    amount = f"{price:.2f}".replace(".", ",")
    return f"{amount} €" if currency == "EUR" else f"{amount} {currency}"


def allergen_text(allergens: list[Allergen]) -> str:
    return ", ".join(ALLERGEN_LABELS_FR[allergen] for allergen in allergens)


def validity_text(menu: Menu) -> str:
    start = f"{menu.valid_from:%d/%m/%Y}"
    if menu.valid_until is None:
        return f"À partir du {start}"
    return f"Du {start} au {menu.valid_until:%d/%m/%Y}"


def item_lines(item: MenuItem, currency: str) -> list[str]:
    lines = [f"• {item.name} — {price_text(item.price, currency)}"]
    if item.description:
        lines.append(f"  {item.description}")
    if item.allergens:
        lines.append(f"  Allergènes : {allergen_text(item.allergens)}")
    return lines


def _heading(menu: Menu) -> list[str]:
    lines = [f"{MENU_TYPE_LABELS_FR[menu.type]} : {menu.name}", validity_text(menu)]
    if menu.description:
        lines.append(menu.description)
    return lines


def _post_text(menu: Menu, categories: list[MenuCategory], tail: list[str]) -> str:
    blocks = ["\n".join(_heading(menu))]
    for category in categories:
        lines = [category.name.upper()]
        for item in category.items:
            lines += item_lines(item, menu.currency)
        blocks.append("\n".join(lines))
    blocks += tail
    return "\n\n".join(blocks)


def _hashtags(menu: Menu) -> list[str]:
    return [tag if tag.startswith("#") else f"#{tag}" for tag in menu.hashtags]


def facebook_post(menu: Menu) -> dict[str, Any]:
    """The whole menu as the text of a Facebook post, with the menu's photo and hashtags."""
    tail = [f"La carte en ligne : {menu.website_url}"] if menu.website_url else []
    return {
        "message": _post_text(menu, list(menu.categories), tail),
        "hashtags": _hashtags(menu),
        "image_url": str(menu.image.url) if menu.image else None,
    }


def instagram_post(menu: Menu) -> dict[str, Any]:
    """The menu as an Instagram caption with its photo: as many items as Instagram's caption
    holds, in order, then a pointer to the website for the rest."""
    spec = load_specs().platforms["instagram"]
    hashtags = _hashtags(menu)
    caption = _post_text(menu, list(menu.categories), [])
    if _too_long(spec, caption, hashtags):

        def fits(count: int) -> bool:
            return not _too_long(spec, _first_items_caption(menu, count), hashtags)

        counts = range(_item_count(menu), -1, -1)
        caption = _first_items_caption(menu, counts[bisect.bisect_left(counts, True, key=fits)])
    return {
        "caption": caption,
        "hashtags": hashtags,
        "image_url": str(menu.image.url) if menu.image else None,
    }


def _item_count(menu: Menu) -> int:
    return sum(len(category.items) for category in menu.categories)


def _first_items_caption(menu: Menu, count: int) -> str:
    """The caption with the menu's first `count` items only, and the pointer to the rest."""
    shortened = []
    for category in menu.categories:
        if count <= 0:
            break
        shortened.append(category.model_copy(update={"items": category.items[:count]}))
        count -= len(category.items)
    return _post_text(menu, shortened, [MORE_ON_THE_WEBSITE])


def _too_long(spec, text: str, hashtags: list[str]) -> bool:
    facts = ContentFacts(object_type="text", text=text, hashtags=hashtags)
    return any(violation.code == "text_too_long" for violation in check_content(spec, facts))


def website_feed(menu: Menu) -> dict[str, Any]:
    """The menu as schema.org `Menu` JSON-LD, for the website to embed."""
    offer_period = {"validFrom": menu.valid_from.isoformat()}
    if menu.valid_until:
        offer_period["validThrough"] = menu.valid_until.isoformat()
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Menu",
        "name": menu.name,
        "inLanguage": menu.language,
        "hasMenuSection": [
            {
                "@type": "MenuSection",
                "name": category.name,
                **({"description": category.description} if category.description else {}),
                "hasMenuItem": [
                    _website_item(item, menu.currency, offer_period) for item in category.items
                ],
            }
            for category in menu.categories
        ],
    }
    if menu.description:
        document["description"] = menu.description
    if menu.image:
        document["image"] = str(menu.image.url)
    if menu.website_url:
        document["url"] = str(menu.website_url)
    return document


def _website_item(item: MenuItem, currency: str, period: dict[str, str]) -> dict[str, Any]:
    described = _described_with_allergens(item.description, item.allergens)
    return {
        "@type": "MenuItem",
        "name": item.name,
        **({"description": described} if described else {}),
        **({"image": str(item.image.url)} if item.image else {}),
        "offers": {
            "@type": "Offer",
            "price": f"{item.price:.2f}",
            "priceCurrency": currency,
            **period,
        },
    }


def _described_with_allergens(description: str | None, allergens: list[Allergen]) -> str | None:
    parts = [description.rstrip(". ")] if description else []
    if allergens:
        parts.append(f"Allergènes : {allergen_text(allergens)}")
    return ". ".join(parts) + "." if parts else None


def google_business_menu(menu: Menu) -> dict[str, Any]:
    """The menu as a Google Business Profile `FoodMenus` resource (`menus` of `sections` of
    `items`, each with its labels, its price as `currencyCode`/`units`/`nanos` and its
    allergens), with the item photos to upload beside it."""
    food_menu: dict[str, Any] = {
        "labels": [_label(menu.name, menu.description, menu.language)],
        "sections": [
            {
                "labels": [_label(category.name, category.description, menu.language)],
                "items": [_google_item(item, menu) for item in category.items],
            }
            for category in menu.categories
        ],
    }
    if menu.website_url:
        food_menu["sourceUrl"] = str(menu.website_url)
    photos = [
        {
            "mediaFormat": "PHOTO",
            "sourceUrl": str(item.image.url),
            "locationAssociation": {"category": "FOOD_AND_DRINK"},
            "description": item.name,
        }
        for category in menu.categories
        for item in category.items
        if item.image
    ]
    return {"foodMenus": {"menus": [food_menu]}, "mediaItems": photos}


def _label(name: str, description: str | None, language: str) -> dict[str, str]:
    label = {"displayName": name, "languageCode": language}
    if description:
        label["description"] = description
    return label


def _google_item(item: MenuItem, menu: Menu) -> dict[str, Any]:
    attributes: dict[str, Any] = {"price": google_money(item.price, menu.currency)}
    allergens = sorted({GOOGLE_ALLERGENS[a] for a in item.allergens if a in GOOGLE_ALLERGENS})
    if allergens:
        attributes["allergen"] = allergens
    return {
        "labels": [_label(item.name, _google_description(item), menu.language)],
        "attributes": attributes,
    }


def _google_description(item: MenuItem) -> str | None:
    unsaid = [allergen for allergen in item.allergens if allergen not in GOOGLE_ALLERGENS]
    return _described_with_allergens(item.description, unsaid)


def google_money(price: Decimal, currency: str) -> dict[str, Any]:
    """Google's `Money`: whole units as a string, the fraction in billionths."""
    units = int(price)
    return {"currencyCode": currency, "units": str(units), "nanos": int((price - units) * NANOS)}


FORMATS: dict[str, Callable[[Menu], dict[str, Any]]] = {
    "facebook": facebook_post,
    "instagram": instagram_post,
    "website": website_feed,
    "google_business": google_business_menu,
}


def item_refusals(platform: str, item: MenuItem, menu: Menu) -> list[str]:
    """Why `platform` cannot show `item` (nothing when it can)."""
    if platform in ("facebook", "instagram"):
        spec = load_specs().platforms[platform]
        text = "\n".join(_heading(menu) + item_lines(item, menu.currency))
        facts = ContentFacts(object_type="text", text=text, hashtags=_hashtags(menu))
        return [
            f"{platform}: {violation.message}"
            for violation in check_content(spec, facts)
            if violation.code == "text_too_long"
        ]
    if platform == "website":
        return list(_photo_refusals("website", item.image, WEB_PHOTO_TYPES, None, None))
    return [
        *_google_label_refusals(item.name, _google_description(item)),
        *_photo_refusals(
            "google_business",
            item.image,
            GOOGLE_PHOTO_TYPES,
            GOOGLE_PHOTO_MAX_BYTES,
            GOOGLE_PHOTO_MIN_SIDE,
        ),
    ]


def _photo_refusals(
    platform: str,
    photo: Photo | None,
    types: tuple[str, ...],
    max_bytes: int | None,
    min_side: int | None,
) -> Iterator[str]:
    if photo is None:
        return
    if photo.mime_type not in types:
        yield f"{platform}: the photo is {photo.mime_type}; it takes {', '.join(types)}"
    if max_bytes and photo.bytes and photo.bytes > max_bytes:
        yield f"{platform}: the photo is {photo.bytes:,} bytes, over {max_bytes:,}"
    sides = [side for side in (photo.width, photo.height) if side]
    if min_side and sides and min(sides) < min_side:
        yield f"{platform}: the photo is {min(sides)} px on a side, under {min_side} px"


def _google_label_refusals(name: str, description: str | None) -> Iterator[str]:
    if len(name) > GOOGLE_LABEL_MAX:
        yield (
            f"google_business: the name is {len(name):,} characters, "
            f"over Google's {GOOGLE_LABEL_MAX}"
        )
    if description and len(description) > GOOGLE_DESCRIPTION_MAX:
        yield (
            f"google_business: the description (with the allergens Google has no value for) "
            f"is {len(description):,} characters, over Google's {GOOGLE_DESCRIPTION_MAX:,}"
        )


def menu_refusal(platform: str, menu: Menu) -> str | None:
    """Why `platform` cannot take the menu at all (its post checked against the platform's
    specs; the Google document's menu labels against Google's limits)."""
    if platform in ("facebook", "instagram"):
        spec = load_specs().platforms[platform]
        document = FORMATS[platform](menu)
        text = document.get("message", document.get("caption"))
        facts = ContentFacts(
            object_type="image" if menu.image else "text",
            text=text,
            hashtags=document["hashtags"],
            media=_media_facts(menu.image),
        )
        violations = check_content(spec, facts)
        return "; ".join(violation.message for violation in violations) or None
    if platform == "google_business":
        return "; ".join(_google_label_refusals(menu.name, menu.description)) or None
    return None


def _media_facts(photo: Photo | None) -> MediaFacts | None:
    if photo is None:
        return None
    return MediaFacts(
        mime_type=photo.mime_type, bytes=photo.bytes, width=photo.width, height=photo.height
    )


def render(menu: Menu, platforms: list[str]) -> Rendering:
    """Every platform's document of `menu`; `UnshowableItem` for an item none of `platforms`
    can show."""
    left_out: dict[str, list[str]] = {}
    kept: dict[str, list[MenuCategory]] = {platform: [] for platform in platforms}
    for category_index, category in enumerate(menu.categories):
        shown: dict[str, list[MenuItem]] = {platform: [] for platform in platforms}
        for item_index, item in enumerate(category.items):
            refusals = {platform: item_refusals(platform, item, menu) for platform in platforms}
            if all(refusals.values()):
                raise UnshowableItem(
                    f"categories.{category_index}.items.{item_index}",
                    [reason for reasons in refusals.values() for reason in reasons],
                )
            for platform, reasons in refusals.items():
                if reasons:
                    left_out.setdefault(platform, []).append(f"{item.name}: {'; '.join(reasons)}")
                else:
                    shown[platform].append(item)
        for platform, items in shown.items():
            if items:
                kept[platform].append(category.model_copy(update={"items": items}))
    documents, refusals = {}, {}
    for platform in platforms:
        shown_menu = menu.model_copy(update={"categories": kept[platform]})
        if refusal := menu_refusal(platform, shown_menu):
            refusals[platform] = refusal
        documents[platform] = FORMATS[platform](shown_menu)
    return Rendering(documents=documents, refusals=refusals, left_out=left_out)
