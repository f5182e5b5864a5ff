"""adapt: the message made to fit the platform (hashtags, text cut at a word boundary, link per
platform), every alteration said, the result deterministic and JSON-serialisable."""

from __future__ import annotations

import json

from mediaflow_dagster.specs import AdaptedContent, ContentFacts, adapt, load_specs
from mediaflow_dagster.specs.facts import AdvertisementFacts, ArticleFacts
from mediaflow_dagster.specs.message import ELLIPSIS, message_length

SPECS = load_specs().platforms
LINK = "https://example.com/produit-x"


def sentence_words(count: int) -> str:
    return " ".join(f"mot{index}," if index % 7 == 6 else f"mot{index}" for index in range(count))


def test_content_within_the_limits_is_joined_by_the_platform_convention_and_left_alone():
    post = ContentFacts(object_type="text", text="Winter is here", hashtags=["#winter", "sale"])

    adapted = adapt(SPECS["facebook"], post)

    assert adapted.message == "Winter is here\n\n#winter #sale"
    assert adapted.changes == []


def test_adapted_text_fits_and_ends_at_a_word_boundary():
    text = sentence_words(600)
    post = ContentFacts(object_type="image", text=text, hashtags=["#winter", "#sale"])

    adapted = adapt(SPECS["instagram"], post)

    assert len(adapted.message) <= 2_200
    cut_text, hashtags = adapted.message.split("\n\n")
    assert hashtags == "#winter #sale"
    assert cut_text.endswith(ELLIPSIS)
    stem = cut_text.removesuffix(ELLIPSIS)
    assert text.startswith(stem)
    assert text[len(stem)] in ", "
    assert not stem.endswith(",")
    assert any("cut the text at a word boundary" in change for change in adapted.changes)


def test_x_counts_urls_as_23_when_fitting_the_text():
    long_url = "https://example.com/" + "campaign/" * 20
    text = sentence_words(60) + " " + long_url
    spec = SPECS["x"]

    adapted = adapt(spec, ContentFacts(object_type="text", text=text, link=LINK))

    assert message_length(adapted.message, spec.message) <= 280
    assert adapted.message.endswith(f"{ELLIPSIS} {LINK}")
    assert len(adapted.message) > 60


def test_x_keeps_a_long_url_that_counts_23():
    long_url = "https://example.com/" + "campaign/" * 20
    text = "a" * 200 + " " + long_url

    adapted = adapt(SPECS["x"], ContentFacts(object_type="text", text=text))

    assert adapted.message == text
    assert adapted.changes == []


def test_hashtags_over_the_limit_keep_the_first_ones():
    tags = [f"#tag{index}" for index in range(34)]

    adapted = adapt(SPECS["instagram"], ContentFacts(object_type="image", text="Hi", hashtags=tags))

    assert adapted.hashtags == tags[:30]
    assert adapted.message == "Hi\n\n" + " ".join(tags[:30])
    assert adapted.changes == ["kept the first 30 of 34 hashtags: instagram allows 30 per post"]


def test_hashtags_beyond_the_recommended_number_go_before_the_text_is_cut():
    tags = [f"#hashtag{index}" for index in range(10)]
    post = ContentFacts(object_type="text", text=sentence_words(60), hashtags=tags)

    adapted = adapt(SPECS["x"], post)

    assert adapted.hashtags == tags[:2]
    assert adapted.message.endswith(f"{ELLIPSIS} #hashtag0 #hashtag1")
    assert adapted.changes == [
        "dropped the last 8 hashtags to make room for the text",
        "cut the text at a word boundary, with an ellipsis, to fit x's 280 weighted characters",
    ]


def test_a_link_on_instagram_becomes_a_link_in_bio_line():
    post = ContentFacts(
        object_type="image", text="Produit X arrive !", hashtags=["#produitx"], link=LINK
    )

    adapted = adapt(SPECS["instagram"], post)

    assert adapted.message == "Produit X arrive !\n\nLink in bio\n\n#produitx"
    assert LINK not in adapted.message
    assert adapted.link == LINK
    assert adapted.changes == [
        "replaced the link with a “Link in bio” line: links in instagram posts are not clickable"
    ]


def test_a_link_is_appended_elsewhere_unless_the_text_has_it():
    post = ContentFacts(object_type="text", text="Produit X arrive !", link=LINK)

    assert adapt(SPECS["linkedin"], post).message == f"Produit X arrive !\n\n{LINK}"
    inline = post.model_copy(update={"text": f"Produit X arrive : {LINK}"})
    assert adapt(SPECS["linkedin"], inline).message == f"Produit X arrive : {LINK}"


def test_wordpress_keeps_hashtags_out_of_the_text_as_tags():
    post = ContentFacts(object_type="text", text="Article", hashtags=["#winter", "sale"])

    adapted = adapt(SPECS["wordpress"], post)

    assert adapted.message == "Article"
    assert adapted.hashtags == ["#winter", "#sale"]


def test_youtube_description_is_cut_to_5000_bytes_and_the_title_to_100_characters():
    spec = SPECS["youtube"]
    post = ContentFacts(
        object_type="video",
        text=" ".join(["été"] * 1_500),
        title=" ".join(["campagne"] * 15),
    )

    adapted = adapt(spec, post)

    assert len(adapted.message.encode()) <= 5_000
    assert adapted.title is not None
    assert len(adapted.title) <= 100
    assert adapted.title.endswith(f"campagne{ELLIPSIS}")
    assert "cut the title at a word boundary to youtube's 100 characters" in adapted.changes


def test_adaptation_is_deterministic_and_json_serialisable():
    post = ContentFacts(
        object_type="video",
        text=sentence_words(800),
        hashtags=[f"#t{index}" for index in range(40)],
        link=LINK,
    )

    first, second = adapt(SPECS["tiktok"], post), adapt(SPECS["tiktok"], post)

    assert first == second
    stored = json.dumps(first.model_dump(mode="json"))
    assert AdaptedContent.model_validate_json(stored) == first
    assert first.spec_version == load_specs().version


def test_a_markdown_article_goes_to_wordpress_as_html_and_to_linkedin_as_a_link_card():
    article = ContentFacts(
        object_type="article",
        title="Menu d'hiver",
        link="https://bistro.example/menu-hiver",
        article=ArticleFacts(body="## Soupes\n\n*Potiron*", summary="Notre menu."),
    )

    on_wordpress = adapt(SPECS["wordpress"], article).article
    on_linkedin = adapt(SPECS["linkedin"], article).article

    assert on_wordpress.body_html == "<h2>Soupes</h2>\n<p><em>Potiron</em></p>\n"
    assert on_linkedin.body_html is None
    assert on_linkedin.canonical_url == "https://bistro.example/menu-hiver"
    assert on_linkedin.summary == "Notre menu."


def test_an_ad_goes_with_the_platforms_own_codes_and_without_a_headline_where_none_shows():
    ad = ContentFacts(
        object_type="advertisement",
        text="Réservez",
        advertisement=AdvertisementFacts(
            headline="Menu", primary_text="Réservez", call_to_action="download", objective="sales"
        ),
    )

    on_tiktok = adapt(SPECS["tiktok"], ad).advertisement
    on_facebook = adapt(SPECS["facebook"], ad).advertisement

    assert (on_tiktok.call_to_action, on_tiktok.objective) == ("DOWNLOAD_NOW", "WEB_CONVERSIONS")
    assert on_tiktok.headline is None
    assert (on_facebook.call_to_action, on_facebook.headline) == ("DOWNLOAD", "Menu")
