"""Le Vieux Moulin's winter menu in each platform's format: the Facebook post, the Instagram
caption with its photo, the website's schema.org JSON-LD and the Google Business Profile
`foodMenus` document; what each platform cannot show is left out of it or refused, with why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from support.menus import PHOTO, winter_menu

from mediaflow_dagster.communication.menu_formats import (
    UnshowableItem,
    facebook_post,
    google_business_menu,
    google_money,
    instagram_post,
    render,
    website_feed,
)
from mediaflow_dagster.communication.menus import MENU_PLATFORMS, Menu
from mediaflow_dagster.specs import ContentFacts, MediaFacts, check_content, load_specs


def menu(**changes) -> Menu:
    return Menu.model_validate(winter_menu(**changes))


def test_the_facebook_post_lists_every_item_with_its_price_and_allergens():
    post = facebook_post(menu())

    message = post["message"]
    assert message.startswith("Menu de saison : Carte d'hiver\nDu 01/12/2026 au 20/03/2027")
    assert "• Bœuf bourguignon — 24,00 €" in message
    assert "Allergènes : gluten, œufs, lait, fruits à coque, soja" in message
    assert message.index("ENTRÉES") < message.index("PLATS") < message.index("DESSERTS")
    assert message.endswith("La carte en ligne : https://levieuxmoulin.example/carte")
    assert post["hashtags"] == ["#LeVieuxMoulin", "#cuisinedesaison"]
    assert post["image_url"] == PHOTO["url"]


def test_the_instagram_caption_carries_the_photo_and_fits_instagram_by_cutting_whole_items():
    long_menu = winter_menu()
    long_menu["categories"][1]["items"] = [
        {"name": f"Plat du marché n° {n}", "description": "Légumes " * 20, "price": "19.00"}
        for n in range(40)
    ]
    spec = load_specs().platforms["instagram"]

    short, cut = instagram_post(menu()), instagram_post(Menu.model_validate(long_menu))

    assert short["image_url"] == PHOTO["url"]
    assert "• Tarte Tatin, crème crue — 8,50 €" in short["caption"]
    assert "lien en bio" not in short["caption"]
    assert cut["caption"].endswith("… et toute la carte sur notre site (lien en bio)")
    assert "• Plat du marché n° 0 — 19,00 €" in cut["caption"]
    assert "Plat du marché n° 39" not in cut["caption"]
    facts = ContentFacts(
        object_type="image",
        text=cut["caption"],
        hashtags=cut["hashtags"],
        media=MediaFacts(mime_type="image/jpeg", bytes=412_000, width=1080, height=1350),
    )
    assert check_content(spec, facts) == []


def test_the_website_feed_is_schema_org_menu_json_ld():
    feed = website_feed(menu())

    assert feed["@context"] == "https://schema.org"
    assert feed["@type"] == "Menu"
    assert [section["name"] for section in feed["hasMenuSection"]] == [
        "Entrées",
        "Plats",
        "Desserts",
    ]
    bourguignon = feed["hasMenuSection"][1]["hasMenuItem"][0]
    assert bourguignon == {
        "@type": "MenuItem",
        "name": "Bœuf bourguignon",
        "description": "Mijoté sept heures, pommes de terre fondantes. "
        "Allergènes : céleri, sulfites.",
        "image": "https://cdn.levieuxmoulin.example/plats/bourguignon.jpg",
        "offers": {
            "@type": "Offer",
            "price": "24.00",
            "priceCurrency": "EUR",
            "validFrom": "2026-12-01",
            "validThrough": "2027-03-20",
        },
    }


def test_the_google_document_has_the_food_menus_shape_with_money_and_allergens():
    document = google_business_menu(menu())

    [food_menu] = document["foodMenus"]["menus"]
    assert food_menu["labels"][0]["displayName"] == "Carte d'hiver"
    assert food_menu["sourceUrl"] == "https://levieuxmoulin.example/carte"
    soup = food_menu["sections"][0]["items"][0]
    assert soup["attributes"] == {
        "price": {"currencyCode": "EUR", "units": "9", "nanos": 500_000_000},
        "allergen": ["DAIRY", "WHEAT"],
    }
    # celery has no Google value: it is said in the description instead
    assert soup["labels"][0]["description"].endswith("Allergènes : céleri.")
    assert document["mediaItems"] == [
        {
            "mediaFormat": "PHOTO",
            "sourceUrl": "https://cdn.levieuxmoulin.example/plats/bourguignon.jpg",
            "locationAssociation": {"category": "FOOD_AND_DRINK"},
            "description": "Bœuf bourguignon",
        }
    ]


@pytest.mark.parametrize(
    ("price", "units", "nanos"),
    [("0", "0", 0), ("8.5", "8", 500_000_000), ("24.99", "24", 990_000_000)],
)
def test_google_money_splits_units_and_billionths(price, units, nanos):
    assert google_money(Decimal(price), "EUR") == {
        "currencyCode": "EUR",
        "units": units,
        "nanos": nanos,
    }


def test_the_same_menu_renders_the_same_documents_and_a_new_price_does_not():
    same = render(menu(), list(MENU_PLATFORMS)).fingerprint
    again = render(menu(), list(MENU_PLATFORMS)).fingerprint
    dearer = winter_menu()
    dearer["categories"][0]["items"][0]["price"] = "10.00"

    assert same == again
    assert render(Menu.model_validate(dearer), list(MENU_PLATFORMS)).fingerprint != same


def test_an_item_one_platform_cannot_show_is_left_out_there_with_the_reason():
    heic = winter_menu()
    heic["categories"][2]["items"][0]["image"] = PHOTO | {"mime_type": "image/heic"}

    rendering = render(Menu.model_validate(heic), list(MENU_PLATFORMS))

    assert set(rendering.left_out) == {"website", "google_business"}
    assert "image/heic" in rendering.left_out["website"][0]
    assert "Tarte Tatin" not in str(rendering.documents["google_business"])
    assert "Tarte Tatin" in rendering.documents["facebook"]["message"]


def test_an_item_none_of_the_menus_platforms_can_show_refuses_the_menu_naming_it():
    heic = winter_menu()
    heic["categories"][2]["items"][1]["image"] = PHOTO | {"mime_type": "image/heic"}

    with pytest.raises(UnshowableItem) as refused:
        render(Menu.model_validate(heic), ["website", "google_business"])

    assert refused.value.field == "categories.2.items.1"
    assert any("website: the photo is image/heic" in reason for reason in refused.value.reasons)
    assert any(reason.startswith("google_business:") for reason in refused.value.reasons)


def test_a_menu_without_a_photo_is_refused_by_instagram_only():
    rendering = render(menu(image=None), list(MENU_PLATFORMS))

    assert set(rendering.refusals) == {"instagram"}
    assert rendering.refusals["instagram"].endswith("not text")


def test_a_google_name_over_140_characters_leaves_the_item_out_of_google_only():
    long_name = winter_menu()
    long_name["categories"][0]["items"][1]["name"] = "Terrine " * 20

    rendering = render(Menu.model_validate(long_name), list(MENU_PLATFORMS))

    assert list(rendering.left_out) == ["google_business"]
    assert "over Google's 140" in rendering.left_out["google_business"][0]
