"""What the sandbox reads from a Make scenario blueprint: the webhook that triggers it, and the
app and connection of the modules that publish."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

WEBHOOK_MODULE = "gateway:CustomWebHook"
CONNECTION_PARAMETER = "__IMTCONN__"


@dataclass(frozen=True)
class PublishingApp:
    platform: str
    connection_type: str
    label: str


PUBLISHING_APPS = {
    "facebook-pages": PublishingApp("facebook", "facebook", "Facebook"),
    "instagram-business": PublishingApp(
        "instagram", "instagram-business", "Instagram for Business"
    ),
    "youtube": PublishingApp("youtube", "youtube", "YouTube"),
    "twitter": PublishingApp("x", "twitter", "X"),
    "tiktok": PublishingApp("tiktok", "tiktok", "TikTok"),
    "linkedin": PublishingApp("linkedin", "linkedin", "LinkedIn"),
    "wordpress": PublishingApp("wordpress", "wordpress", "WordPress"),
}
CONNECTION_LABELS = {app.connection_type: app.label for app in PUBLISHING_APPS.values()}


class InvalidBlueprint(ValueError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Wiring:
    """The hook a blueprint listens on and the one connection its publishing modules use."""

    hook_id: int
    connection_id: int
    app: PublishingApp
    packages: tuple[str, ...]


def read_blueprint(text: str) -> dict[str, Any]:
    try:
        blueprint = json.loads(text)
    except ValueError as error:
        raise InvalidBlueprint([f"blueprint is not valid JSON: {error}"]) from error
    if not isinstance(blueprint, dict) or not isinstance(blueprint.get("flow"), list):
        raise InvalidBlueprint(["blueprint has no flow (a list of modules)"])
    return blueprint


def wiring(blueprint: dict[str, Any]) -> Wiring:
    flow = blueprint["flow"]
    reasons = []
    trigger = next(iter(_dicts(flow[:1])), {})
    hook_id = _parameter(trigger, "hook")
    if trigger.get("module") != WEBHOOK_MODULE or hook_id is None:
        reasons.append(f"flow[0] is not a {WEBHOOK_MODULE} module with parameters.hook (a hook id)")
    publishers = [module for module in modules(flow) if _app(module) in PUBLISHING_APPS]
    if not publishers:
        reasons.append(f"no module publishes to a platform (apps: {', '.join(PUBLISHING_APPS)})")
    connection_ids = set()
    for module in publishers:
        connection_id = _parameter(module, CONNECTION_PARAMETER)
        if connection_id is None:
            reasons.append(
                f"module {module.get('id')} ({module['module']}) has no connection "
                f"in parameters.{CONNECTION_PARAMETER}"
            )
        connection_ids.add(connection_id)
    apps = {_app(module) for module in publishers}
    if len(apps) > 1:
        reasons.append(f"modules publish through more than one app: {', '.join(sorted(apps))}")
    if len(connection_ids - {None}) > 1:
        reasons.append("publishing modules use more than one connection")
    if reasons:
        raise InvalidBlueprint(reasons)
    return Wiring(
        hook_id=hook_id,
        connection_id=connection_ids.pop(),
        app=PUBLISHING_APPS[apps.pop()],
        packages=tuple(sorted({_app(module) for module in modules(flow)})),
    )


def rewired(
    blueprint: dict[str, Any], hooks: dict[int, int], connections: dict[int, int]
) -> dict[str, Any]:
    """A copy of `blueprint` on the hooks and connections that `hooks` and `connections` map
    the old ids to, as a scenario clone is."""
    clone = copy.deepcopy(blueprint)
    for module in modules(clone["flow"]):
        for name, mapping in (("hook", hooks), (CONNECTION_PARAMETER, connections)):
            old_id = _parameter(module, name)
            if old_id in mapping:
                module["parameters"][name] = mapping[old_id]
    return clone


def modules(flow: Any) -> Iterator[dict[str, Any]]:
    """Every module of `flow`, with those on router routes and error handler routes."""
    for module in _dicts(flow):
        yield module
        for route in _dicts(module.get("routes")):
            yield from modules(route.get("flow"))
        yield from modules(module.get("onerror"))


def _dicts(items: Any) -> list[dict[str, Any]]:
    """The objects in `items`, if it is a list: a blueprint's parts can be anything."""
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _app(module: dict[str, Any]) -> str:
    return str(module.get("module", "")).partition(":")[0]


def _parameter(module: dict[str, Any], name: str) -> int | None:
    """An integer id parameter of `module`; None if it is missing or not an integer."""
    parameters = module.get("parameters")
    value = parameters.get(name) if isinstance(parameters, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
