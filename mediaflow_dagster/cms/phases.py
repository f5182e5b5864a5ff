"""A campaign's phases (teaser, launch, follow-up): each starts and ends at its time, once, and
takes its actions then (post, notify, pause). The `automation` runs move them; a phase's start
or end is claimed in the transaction of its actions, so it happens once however many runs look.
A phase that started can no longer change; the others are replaced as a whole."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, delete, insert, or_, select, update

from mediaflow_dagster.cms import actions
from mediaflow_dagster.cms.campaigns import FINISHED_STATUSES, get_campaign
from mediaflow_dagster.cms.database import Bind, transaction, utcnow
from mediaflow_dagster.cms.errors import Conflict, Invalid, NotFound
from mediaflow_dagster.cms.publish import PublishRequest, check_publishable
from mediaflow_dagster.cms.schema import campaign_phases, campaigns

PHASE_ACTOR = "automation:phase"
CHANGEABLE = ("starts_at", "ends_at", "actions")


def phases_of(bind: Bind, campaign_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each campaign's phases, in the order they start."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(campaign_phases)
            .where(campaign_phases.c.campaign_id.in_(campaign_ids))
            .order_by(campaign_phases.c.starts_at, campaign_phases.c.id)
        )
        found: dict[int, list[dict[str, Any]]] = {campaign_id: [] for campaign_id in campaign_ids}
        for row in rows:
            found[row.campaign_id].append(dict(row._mapping))
        return found


def current_phase(phases: list[dict[str, Any]]) -> str | None:
    """The phase that started and has not ended yet."""
    running = [phase for phase in phases if phase["started_at"] and not phase["ended_at"]]
    return running[-1]["phase"] if running else None


def set_phases(
    connection: Connection, campaign_id: int, wanted: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Make `wanted` the campaign's phases: a started phase must be given as it is; the actions
    of the others are checked (their platforms, content and templates) before anything is
    stored."""
    campaign = get_campaign(connection, campaign_id)
    if campaign["status"] in FINISHED_STATUSES or campaign["archived_at"] is not None:
        raise Conflict(f"campaign {campaign_id} is {campaign['status']}: its phases are over")
    current = {phase["phase"]: phase for phase in phases_of(connection, [campaign_id])[campaign_id]}
    given = {phase["phase"]: phase for phase in wanted}
    for name, phase in current.items():
        if phase["started_at"] is None:
            continue
        unchanged = name in given and all(given[name][key] == phase[key] for key in CHANGEABLE)
        if not unchanged:
            raise Conflict(
                f"the {name} phase of campaign {campaign_id} started at "
                f"{phase['started_at'].isoformat()}Z: it can no longer change or go"
            )
    for index, phase in enumerate(wanted):
        if current.get(phase["phase"], {}).get("started_at"):
            continue
        for number, action in enumerate(phase["actions"]):
            check_action(connection, campaign_id, action, f"phases.{index}.actions.{number}")
    now = utcnow()
    connection.execute(
        delete(campaign_phases).where(
            campaign_phases.c.campaign_id == campaign_id, campaign_phases.c.started_at.is_(None)
        )
    )
    to_add = [
        {**phase, "campaign_id": campaign_id, "created_at": now, "updated_at": now}
        for phase in wanted
        if current.get(phase["phase"], {}).get("started_at") is None
    ]
    if to_add:
        connection.execute(insert(campaign_phases), to_add)
    return phases_of(connection, [campaign_id])[campaign_id]


def check_action(connection: Connection, campaign_id: int, action: dict[str, Any], at: str) -> None:
    """`Invalid` (naming the field at `at`) when the action refers to something missing."""
    try:
        if action["do"] == "post":
            check_publishable(connection, _publish_request(campaign_id, action))
        elif action["do"] == "notify":
            actions.check_template(connection, action["template"], action["data"])
    except (Invalid, NotFound) as refusal:
        field = getattr(refusal, "field", "template")
        raise Invalid(f"{at}.{field}", str(refusal)) from refusal


def _publish_request(campaign_id: int, action: dict[str, Any]) -> PublishRequest:
    return PublishRequest(
        campaign_id=campaign_id,
        title=action["title"],
        body=action["body"],
        media=action["media"],
        hashtags=action["hashtags"],
        platforms=action["platforms"],
    )


def due_moves(bind: Bind, now: datetime) -> list[tuple[int, str]]:
    """(phase id, "start" or "end") of every phase whose start or end has come and not been
    taken, in time order (a phase whose end has come too starts, then ends)."""
    with transaction(bind) as connection:
        rows = connection.execute(
            select(campaign_phases).where(
                or_(
                    and_(
                        campaign_phases.c.started_at.is_(None), campaign_phases.c.starts_at <= now
                    ),
                    and_(campaign_phases.c.ended_at.is_(None), campaign_phases.c.ends_at <= now),
                )
            )
        ).all()
    moves = [(row.starts_at, row.id, "start") for row in rows if row.started_at is None]
    moves += [(row.ends_at, row.id, "end") for row in rows if row.ends_at <= now]
    return [(phase_id, edge) for _, phase_id, edge in sorted(moves)]


def move_phase(engine: Engine, phase_id: int, edge: str) -> str | None:
    """Start or end the phase (taking its actions of that edge) once: what it did, or None
    when another run had done it. An action refused (the campaign was canceled, the template
    deleted…) is kept as the phase's outcome, and the phase moves on without it."""
    column = campaign_phases.c.started_at if edge == "start" else campaign_phases.c.ended_at
    try:
        with engine.begin() as connection:
            phase = _claim(connection, phase_id, column)
            if phase is None:
                return None
            outcome = "; ".join(_take(connection, phase, edge)) or f"{edge}ed, nothing to do"
            _note(connection, phase_id, phase, edge, outcome)
            return outcome
    except (Invalid, NotFound, Conflict) as refusal:
        with engine.begin() as connection:
            phase = _claim(connection, phase_id, column)
            if phase is None:
                return None
            outcome = f"{edge} action refused: {refusal}"
            _note(connection, phase_id, phase, edge, outcome)
            return outcome


def _claim(connection: Connection, phase_id: int, column) -> dict[str, Any] | None:
    claimed = connection.execute(
        update(campaign_phases)
        .where(campaign_phases.c.id == phase_id, column.is_(None))
        .values({column.name: utcnow()})
    ).rowcount
    if claimed != 1:
        return None
    row = connection.execute(select(campaign_phases).where(campaign_phases.c.id == phase_id)).one()
    return dict(row._mapping)


def _take(connection: Connection, phase: dict[str, Any], edge: str) -> list[str]:
    status = connection.execute(
        select(campaigns.c.status).where(campaigns.c.id == phase["campaign_id"])
    ).scalar_one()
    if status in FINISHED_STATUSES:
        return [f"campaign {phase['campaign_id']} is {status}: no action taken"]
    done = []
    for action in phase["actions"]:
        if action["on"] != edge:
            continue
        if action["do"] == "post":
            done.append(
                actions.post(
                    connection, _publish_request(phase["campaign_id"], action), PHASE_ACTOR
                )
            )
        elif action["do"] == "notify":
            done.append(
                actions.notify(
                    connection,
                    template=action["template"],
                    segment=action["segment"],
                    data=action["data"],
                    channels=action["channels"],
                    campaign_id=phase["campaign_id"],
                    actor=PHASE_ACTOR,
                )
            )
        else:
            done.append(actions.pause(connection, phase["campaign_id"]))
    return done


def _note(
    connection: Connection, phase_id: int, phase: dict[str, Any], edge: str, outcome: str
) -> None:
    earlier = phase["outcome"]
    connection.execute(
        update(campaign_phases)
        .where(campaign_phases.c.id == phase_id)
        .values(
            outcome=f"{earlier}\n{edge}: {outcome}" if earlier else f"{edge}: {outcome}",
            updated_at=utcnow(),
        )
    )
