{#
    The native metrics each platform's collector writes to raw.post_insight_snapshots, as
    {column in the platform's staging model: native metric name}. Facebook reactions come
    one row per type (`post_reactions_by_type_total.<type>`): the known types get a column
    each, and `reactions_total` adds up every type present, known or not.
#}
{% macro native_metrics(platform) %}
    {% set metrics = {
        'facebook': {
            'post_media_view': 'post_media_view',
            'post_total_media_view_unique': 'post_total_media_view_unique',
            'post_clicks': 'post_clicks',
            'reactions_like': 'post_reactions_by_type_total.like',
            'reactions_love': 'post_reactions_by_type_total.love',
            'reactions_wow': 'post_reactions_by_type_total.wow',
            'reactions_haha': 'post_reactions_by_type_total.haha',
            'reactions_sorry': 'post_reactions_by_type_total.sorry',
            'reactions_anger': 'post_reactions_by_type_total.anger',
            'comments': 'comments',
            'shares': 'shares',
        },
        'instagram': {
            'views': 'views',
            'reach': 'reach',
            'likes': 'likes',
            'comments': 'comments',
            'shares': 'shares',
            'saved': 'saved',
            'total_interactions': 'total_interactions',
        },
        'youtube': {
            'view_count': 'viewCount',
            'like_count': 'likeCount',
            'comment_count': 'commentCount',
            'favorite_count': 'favoriteCount',
        },
        'linkedin': {
            'impression_count': 'impressionCount',
            'unique_impressions_count': 'uniqueImpressionsCount',
            'click_count': 'clickCount',
            'like_count': 'likeCount',
            'comment_count': 'commentCount',
            'share_count': 'shareCount',
        },
        'tiktok': {
            'view_count': 'view_count',
            'like_count': 'like_count',
            'comment_count': 'comment_count',
            'share_count': 'share_count',
        },
        'x': {
            'impression_count': 'impression_count',
            'like_count': 'like_count',
            'retweet_count': 'retweet_count',
            'reply_count': 'reply_count',
            'quote_count': 'quote_count',
            'bookmark_count': 'bookmark_count',
            'url_link_clicks': 'url_link_clicks',
            'user_profile_clicks': 'user_profile_clicks',
        },
    } %}
    {{ return(metrics[platform]) }}
{% endmacro %}

{% macro facebook_reaction_prefix() %}
    {{ return('post_reactions_by_type_total.') }}
{% endmacro %}
