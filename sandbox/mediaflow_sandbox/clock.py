"""The simulated clock every response's `Date` and every post's age are read from."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class SimulatedClock:
    """Real UTC time until frozen at an instant; it then stays there until set again."""

    def __init__(self) -> None:
        self._frozen_at: datetime | None = None

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> datetime:
        return self._frozen_at or datetime.now(UTC)

    def freeze_at(self, instant: datetime | None) -> None:
        """Stop at `instant` (naive means UTC); `None` goes back to real time."""
        if instant is not None and instant.tzinfo is None:
            instant = instant.replace(tzinfo=UTC)
        self._frozen_at = instant.astimezone(UTC) if instant else None


def iso_z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def http_date(instant: datetime) -> str:
    return format_datetime(instant.astimezone(UTC), usegmt=True)


class SimulatedDateMiddleware:
    """Stamps every response with `Date` read from the simulated clock."""

    def __init__(self, app: ASGIApp, clock: SimulatedClock) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_dated(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["date"] = http_date(self.clock.now())
            await send(message)

        await self.app(scope, receive, send_dated)
