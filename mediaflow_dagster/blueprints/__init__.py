"""The Make scenario blueprints mediaflow ships, one per platform, in Make's export format.

Each scenario listens on a webhook and routes on the payload's `action`: route 0 answers a
`lookup` from its data store (`gateway:WebhookRespond`); every other route publishes: it records
the idempotency key as processing, answers "Accepted", runs the platform module, records the
outcome and posts it to the payload's `callback_url` (an error handler does the same for a
failure). Instagram has two publish routes, picked by `content.media_type`: 1 photos, 2 reels.

The files hold the placeholder 0 where ids of the account's own Make objects go, which
`load_blueprint` fills in:

- `flow[0].parameters.hook`: the webhook;
- `flow[1].routes[r].flow[2].parameters.__IMTCONN__` for every publish route r (1, and 2 on
  Instagram): the platform connection.

The data store modules' `parameters.datastore` stay 0.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

BLUEPRINT_PLATFORMS = ("facebook", "instagram", "youtube", "x", "tiktok", "linkedin", "wordpress")
PLACEHOLDER = 0


def load_blueprint(
    platform: str, *, hook_id: int = PLACEHOLDER, connection_id: int = PLACEHOLDER
) -> dict[str, Any]:
    """The platform's blueprint on this hook and connection (placeholders if not given)."""
    if platform not in BLUEPRINT_PLATFORMS:
        raise ValueError(f"no blueprint for {platform!r}; there are {BLUEPRINT_PLATFORMS}")
    blueprint = json.loads(files(__name__).joinpath(f"{platform}.json").read_text())
    webhook, router = blueprint["flow"]
    webhook["parameters"]["hook"] = hook_id
    for publish_route in router["routes"][1:]:
        publish_route["flow"][2]["parameters"]["__IMTCONN__"] = connection_id
    return blueprint
