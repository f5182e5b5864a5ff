"""Where an agent's browser authorizes a Make connection: as if the account's owner granted Make
access on the platform, then back to the caller's `redirect_uri`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from mediaflow_sandbox.addresses import MAKE_OAUTH_PREFIX
from mediaflow_sandbox.make_team import MakeTeam


class MakeOAuth:
    def __init__(self, team: MakeTeam) -> None:
        self._team = team

    def routes(self) -> list[Route]:
        return [
            Route(
                f"{MAKE_OAUTH_PREFIX}/connections/{{connection_id:int}}/authorize", self.authorize
            )
        ]

    async def authorize(self, request: Request) -> Response:
        connection = self._team.connection(request.path_params["connection_id"])
        if connection is None:
            return HTMLResponse("<h1>Connection not found</h1>", status_code=404)
        connection.state = "authorized"
        redirect_uri = request.query_params.get("redirect_uri")
        if redirect_uri:
            return RedirectResponse(redirect_uri, status_code=302)
        return HTMLResponse(f"<h1>{connection.name} connected</h1>")
