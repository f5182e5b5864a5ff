"""check_content: every limit a piece of content breaks, with the limit, the actual value and a
fix; unknown facts only where the spec needs them."""

from __future__ import annotations

import pytest

from mediaflow_dagster.specs import ContentFacts, MediaFacts, Violation, check_content, load_specs
from mediaflow_dagster.specs.facts import AdvertisementFacts, ArticleFacts

SPECS = load_specs().platforms
SQUARE_JPEG = MediaFacts(mime_type="image/jpeg", bytes=400_000, width=1080, height=1080)
VERTICAL_VIDEO = MediaFacts(
    mime_type="video/mp4",
    bytes=50_000_000,
    width=1080,
    height=1920,
    duration_seconds=30,
    codec="h264",
)


def remeasured(media: MediaFacts, **facts) -> MediaFacts:
    return MediaFacts.model_validate({**media.model_dump(), **facts})


def codes(platform: str, content: ContentFacts) -> list[str]:
    return [violation.code for violation in check_content(SPECS[platform], content)]


def only(platform: str, content: ContentFacts, code: str) -> Violation:
    (violation,) = [v for v in check_content(SPECS[platform], content) if v.code == code]
    return violation


def test_content_within_every_limit_has_no_violation():
    image = ContentFacts(
        object_type="image", text="Winter is here", hashtags=["#winter"], media=SQUARE_JPEG
    )
    video = ContentFacts(object_type="video", text="Teaser", media=VERTICAL_VIDEO)

    assert codes("instagram", image) == []
    assert codes("tiktok", video) == []
    assert codes("youtube", video) == []


def test_text_over_the_limit_names_the_limit_and_the_length():
    post = ContentFacts(object_type="image", text="x" * 2_300, media=SQUARE_JPEG)

    violation = only("instagram", post, "text_too_long")
    assert "2,300 characters" in violation.message
    assert "2,200" in violation.message
    assert "word boundary" in violation.suggested_fix
    assert "2,200 characters" in violation.suggested_fix


def test_the_message_counts_hashtags_with_the_text():
    post = ContentFacts(
        object_type="image", text="a" * 2_190, hashtags=["#winter", "#sale"], media=SQUARE_JPEG
    )

    assert codes("instagram", post) == ["text_too_long"]
    assert codes("instagram", post.model_copy(update={"hashtags": []})) == []


def test_x_counts_every_url_as_23_characters():
    long_url = "https://example.com/" + "path/" * 30
    text = "a" * 256 + " " + long_url
    assert len(text) > 280

    assert codes("x", ContentFacts(object_type="text", text=text)) == []
    violation = only("x", ContentFacts(object_type="text", text="a" + text), "text_too_long")
    assert "281 weighted characters" in violation.message
    assert "a URL counts 23" in violation.message


def test_x_counts_the_appended_link_as_23_characters():
    post = ContentFacts(object_type="text", text="a" * 256, link="https://example.com/" + "p" * 80)

    assert codes("x", post) == []
    assert codes("x", post.model_copy(update={"text": "a" * 257})) == ["text_too_long"]


def test_youtube_counts_the_description_in_bytes():
    post = ContentFacts(object_type="video", text="é" * 2_600, media=VERTICAL_VIDEO)

    assert "5,200 bytes" in only("youtube", post, "text_too_long").message


def test_too_many_hashtags_suggests_keeping_the_first_ones_that_fit():
    tags = [f"#tag{index}" for index in range(34)]
    post = ContentFacts(object_type="image", hashtags=tags, media=SQUARE_JPEG)

    violation = only("instagram", post, "too_many_hashtags")
    assert "34 hashtags" in violation.message
    assert "limit of 30" in violation.message
    assert violation.suggested_fix.startswith("keep the first 30 hashtags")


def test_hashtags_written_in_the_text_count_towards_the_limit():
    post = ContentFacts(
        object_type="image",
        text="#winter is here, see https://example.com/#sale",
        hashtags=[f"#tag{index}" for index in range(30)],
        media=SQUARE_JPEG,
    )

    violation = only("instagram", post, "too_many_hashtags")
    assert "31 hashtags (1 of them in the text)" in violation.message
    assert violation.suggested_fix.startswith("keep the first 29 hashtags")


def test_x_sets_no_hashtag_limit():
    tags = [f"#t{index}" for index in range(40)]

    assert codes("x", ContentFacts(object_type="text", hashtags=tags)) == []


def test_a_square_image_suits_instagram():
    assert codes("instagram", ContentFacts(object_type="image", media=SQUARE_JPEG)) == []


def test_an_image_too_tall_for_instagram_is_re_rendered_at_4_5():
    tall = remeasured(SQUARE_JPEG, width=1000, height=2000)

    violation = only(
        "instagram", ContentFacts(object_type="image", media=tall), "wrong_aspect_ratio"
    )
    assert "1000x2000" in violation.message
    assert "4:5 to 1.91:1" in violation.message
    assert violation.suggested_fix == "re-render the image at 1080x1350 (4:5)"


def test_an_image_too_wide_for_instagram_is_re_rendered_at_1_91_1():
    wide = remeasured(SQUARE_JPEG, width=3000, height=1000)

    violation = only(
        "instagram", ContentFacts(object_type="image", media=wide), "wrong_aspect_ratio"
    )
    assert violation.suggested_fix == "re-render the image at 1080x566 (1.91:1)"


def test_an_image_under_the_minimum_width_is_too_small():
    small = remeasured(SQUARE_JPEG, width=300, height=300)

    violation = only("instagram", ContentFacts(object_type="image", media=small), "image_too_small")
    assert "320 px wide" in violation.message
    assert "1080x1350" in violation.suggested_fix


@pytest.mark.parametrize(
    ("platform", "seconds", "fix"),
    [("youtube", 43_201, "trim the video to 43,200 s"), ("tiktok", 601, "trim the video to 600 s")],
)
def test_a_video_over_the_platform_duration_is_too_long(platform, seconds, fix):
    long_video = remeasured(VERTICAL_VIDEO, duration_seconds=seconds)

    violation = only(
        platform, ContentFacts(object_type="video", media=long_video), "video_too_long"
    )
    assert f"{seconds:,} s" in violation.message
    assert violation.suggested_fix == fix


def test_a_video_under_the_platform_minimum_is_too_short():
    blip = remeasured(VERTICAL_VIDEO, duration_seconds=2)

    violation = only("tiktok", ContentFacts(object_type="video", media=blip), "video_too_short")
    assert violation.suggested_fix == "lengthen the video to at least 3 s"


def test_a_video_over_the_size_limit_is_too_large():
    heavy = remeasured(VERTICAL_VIDEO, bytes=5_200_000_000)

    violation = only("tiktok", ContentFacts(object_type="video", media=heavy), "media_too_large")
    assert "5.2 GB (5,200,000,000 bytes)" in violation.message
    assert violation.suggested_fix == "compress the video under 4 GB"


def test_a_codec_the_platform_does_not_take_is_reported():
    vp9 = remeasured(VERTICAL_VIDEO, codec="VP9")

    violation = only("x", ContentFacts(object_type="video", media=vp9), "unsupported_codec")
    assert violation.message == "the video is encoded in vp9; x takes h264"
    assert violation.suggested_fix == "re-encode the video in h264"


def test_a_video_over_the_maximum_dimensions_is_reported():
    huge = remeasured(VERTICAL_VIDEO, width=2304, height=4097)
    post = ContentFacts(object_type="video", media=huge)

    assert "4096x4096" in only("tiktok", post, "video_dimensions_too_large").message


def test_audio_is_neither_an_object_type_nor_a_media_type_instagram_takes():
    song = ContentFacts(object_type="audio", media=MediaFacts(mime_type="audio/mpeg"))

    assert codes("instagram", song) == ["unsupported_object_type", "unsupported_media_type"]
    violation = only("instagram", song, "unsupported_media_type")
    assert (
        violation.message
        == "instagram takes image/jpeg, video/mp4, video/quicktime, not audio/mpeg"
    )
    assert violation.suggested_fix == "send instagram image or video media instead"


def test_an_image_format_the_platform_does_not_take_should_be_converted():
    png = ContentFacts(object_type="image", media=remeasured(SQUARE_JPEG, mime_type="image/png"))

    violation = only("instagram", png, "unsupported_media_type")
    assert violation.suggested_fix == "convert the image to image/jpeg"


def test_a_text_post_is_not_an_object_type_youtube_takes():
    post = ContentFacts(object_type="text", text="Hello")

    assert codes("youtube", post) == ["unsupported_object_type"]
    assert only("youtube", post, "unsupported_object_type").message == (
        "youtube takes video or advertisement posts, not text"
    )


def test_unknown_facts_the_spec_needs_are_reported_without_a_crash():
    unmeasured = MediaFacts(mime_type="video/mp4", bytes=1_000_000)

    violations = check_content(SPECS["tiktok"], ContentFacts(object_type="video", media=unmeasured))

    assert [violation.code for violation in violations] == ["media_facts_missing"]
    assert "width, height, duration_seconds, codec" in violations[0].message


def test_a_media_post_without_media_facts_is_reported():
    violation = only("youtube", ContentFacts(object_type="video"), "media_facts_missing")

    assert "mime_type, bytes, duration_seconds" in violation.message


def test_unknown_facts_no_limit_needs_are_not_reported():
    unmeasured = MediaFacts(mime_type="video/webm")

    assert codes("wordpress", ContentFacts(object_type="video", media=unmeasured)) == []


def test_a_youtube_title_over_100_characters_is_too_long():
    title = " ".join(["campaign"] * 15)
    post = ContentFacts(object_type="video", title=title, media=VERTICAL_VIDEO)

    violation = only("youtube", post, "title_too_long")
    assert f"{len(title)} characters" in violation.message
    assert "100 characters" in violation.suggested_fix


def test_mime_types_are_compared_without_case_or_parameters():
    typed = remeasured(VERTICAL_VIDEO, mime_type="Video/MP4; codecs=avc1")

    assert typed.mime_type == "video/mp4"
    assert codes("tiktok", ContentFacts(object_type="video", media=typed)) == []


ARTICLE = ArticleFacts(body="# Menu d'hiver\n\nSoupe, gratin, tarte.", summary="Notre menu.")
AD = AdvertisementFacts(
    headline="Menu d'hiver", primary_text="Réservez", call_to_action="book_now", objective="traffic"
)
COVER = MediaFacts(mime_type="image/jpeg", bytes=300_000, width=1200, height=628)


def article(**facts) -> ContentFacts:
    return ContentFacts(
        object_type="article",
        title="Menu d'hiver",
        link="https://bistro.example/menu-hiver",
        media=COVER,
        article=ARTICLE,
    ).model_copy(update=facts)


def advertisement(**facts) -> ContentFacts:
    return ContentFacts(
        object_type="advertisement",
        text=AD.primary_text,
        link="https://bistro.example/reserver",
        media=SQUARE_JPEG,
        advertisement=AD,
    ).model_copy(update=facts)


def test_an_article_within_limits_goes_to_wordpress_and_linkedin_and_nowhere_else():
    assert codes("wordpress", article()) == codes("linkedin", article()) == []
    for platform in ("facebook", "instagram", "x", "youtube", "tiktok"):
        violation = only(platform, article(), "unsupported_object_type")
        assert "not article" in violation.message
        assert f"leave {platform} out" in violation.suggested_fix


def test_linkedin_shares_an_article_as_a_link_and_needs_its_canonical_url():
    violation = only("linkedin", article(link=None), "canonical_link_required")

    assert "canonical_url" in violation.suggested_fix
    assert codes("wordpress", article(link=None)) == []


def test_an_article_title_over_linkedins_150_characters_is_too_long():
    violation = only("linkedin", article(title="Menu " * 40), "title_too_long")

    assert "200 characters" in violation.message and "150" in violation.message


def test_an_article_cover_is_held_to_the_platforms_cover_spec():
    svg = MediaFacts(mime_type="image/svg+xml", bytes=2_000)
    tall = remeasured(COVER, width=600, height=1200)

    assert codes("wordpress", article(media=svg)) == ["unsupported_media_type"]
    assert codes("linkedin", article(media=tall)) == ["wrong_aspect_ratio"]


def test_an_ad_within_limits_goes_to_every_platform_with_an_ad_product_but_wordpress():
    assert codes("facebook", advertisement()) == []
    assert codes("instagram", advertisement()) == []
    assert (
        codes(
            "linkedin",
            advertisement(advertisement=AD.model_copy(update={"call_to_action": "learn_more"})),
        )
        == []
    )
    assert codes("wordpress", advertisement()) == ["unsupported_object_type"]


def test_an_ad_headline_and_primary_text_over_the_platforms_limits_are_named():
    long = AD.model_copy(update={"headline": "h" * 201, "primary_text": "p" * 601})

    found = codes("linkedin", advertisement(advertisement=long))

    assert found == ["headline_too_long", "primary_text_too_long", "unsupported_call_to_action"]
    fix = only("linkedin", advertisement(advertisement=long), "headline_too_long").suggested_fix
    assert "200 characters (70 advised)" in fix


def test_a_call_to_action_or_objective_the_ad_product_lacks_lists_what_it_offers():
    wordpress_free = AD.model_copy(update={"call_to_action": "send_message", "objective": "leads"})

    violation = only("x", advertisement(advertisement=wordpress_free), "unsupported_call_to_action")
    assert "learn_more" in violation.suggested_fix
    assert "unsupported_objective" in codes("x", advertisement(advertisement=wordpress_free))


def test_an_image_ad_is_refused_where_the_ad_product_takes_video_only():
    violation = only("tiktok", advertisement(), "unsupported_media_type")

    assert "video" in violation.message
    assert codes("tiktok", advertisement(media=VERTICAL_VIDEO)) == []


def test_an_ad_without_a_creative_is_refused():
    assert codes("facebook", advertisement(media=None)) == ["creative_required"]
