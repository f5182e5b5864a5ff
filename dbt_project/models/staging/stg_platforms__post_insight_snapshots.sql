{#
    The insight snapshots with the copies of each one collapsed: the rule is
    `deduplicated_snapshots()` (macros/native_snapshots.sql). Every per-platform staging
    model pivots these rows, so nothing else reads raw.post_insight_snapshots' copies.
#}
{{ deduplicated_snapshots() }}
