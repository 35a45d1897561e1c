"""The rules service's routes: the running rules, reloading them, why each decision about
a response was taken, and the warnings received (stale ones marked).

Reading the rules, the decisions and the warnings needs no login (they name no person); reloading the
rules file is an administrator's (``Permission.RULES``), checked against the console's
sessions in the shared database, and every reload — taken or refused — is in the audit log."""

# No "from __future__ import annotations": FastAPI reads the annotation of ``reload``, which
# names a dependency made inside ``rules_router``, at runtime.

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select

from schemas.areas import Scope
from schemas.console import Permission
from schemas.rules import (
    DecisionPublic,
    RulesPublic,
    RulesRefusalPublic,
    RulesTablePublic,
    WarningReceivedPublic,
)
from services.core.clock import Clock
from services.core.store import Store
from services.rules.domain.summary import summarise
from services.rules.history import decisions_of
from services.rules.source import RulesSource
from services.rules.tables import received_warnings
from services.web.audit import record
from services.web.auth import Auth, Caller
from services.web.bodies import error_response
from services.web.routes import api_router

__all__ = ["rules_router"]


def rules_router(source: RulesSource, store: Store, auth: Auth, clock: Clock) -> APIRouter:
    """``GET /api/v1/rules``, ``POST /api/v1/rules/reload``, ``GET /api/v1/responses/{id}/decisions``,
    ``GET /api/v1/warnings``.

    >>> from services.core.clock import SystemClock
    >>> from services.rules.component import default_rules_file
    >>> source = RulesSource.load(default_rules_file(), SystemClock())
    >>> auth = Auth(sessions=None)  # type: ignore[arg-type]
    >>> router = rules_router(source, store=None, auth=auth, clock=SystemClock())  # type: ignore[arg-type]
    >>> sorted(route.path for route in router.routes)
    ['/api/v1/responses/{response_id}/decisions', '/api/v1/rules', '/api/v1/rules/reload', '/api/v1/warnings']
    """
    router = api_router(["rules"])
    Administrator = Annotated[Caller, Depends(auth.requires(Permission.RULES))]

    @router.get("/api/v1/rules", response_model=RulesPublic)
    async def rules() -> RulesPublic:
        """The rules that run now (id, version, what they do) and the last refused reload."""
        return _public(source)

    @router.post(
        "/api/v1/rules/reload",
        response_model=RulesPublic,
        responses={
            401: {"description": "not logged in"},
            403: {"description": "only an administrator reloads the rules"},
            422: {"description": "the file is invalid; the rules that ran before go on"},
        },
    )
    async def reload(caller: Administrator) -> Any:
        """Read the rules file again (administrators); an invalid file is refused and the last
        good rules stay. Audited either way, with the rules before and after."""
        before = {"id": source.current.id, "version": source.current.version}
        taken = source.reload()
        after = {"id": source.current.id, "version": source.current.version}
        refused = source.refused
        if not taken:
            after["refused"] = refused.message if refused else "the rules file was refused"
        async with store.transaction() as tx:
            await record(
                tx,
                caller.actor,
                "rules.reload",
                f"rules:{source.path.name}",
                clock.now(),
                before=before,
                after=after,
                outcome="ok" if taken else "refused",
            )
        if taken:
            return _public(source)
        return error_response(
            422,
            "invalid_rules_file",
            after["refused"],
            kept=f"{source.current.id} {source.current.version}",
        )

    @router.get("/api/v1/responses/{response_id}/decisions", response_model=list[DecisionPublic])
    async def decisions(response_id: str) -> Any:
        """Every decision about a response, oldest first, each with its full explanation: the
        rule, the inputs, the levels before and after, and whether it waits for an officer."""
        found = await decisions_of(store, response_id)
        if not found:
            return error_response(404, "unknown_response", f"no decisions about response {response_id!r}")
        return found

    @router.get("/api/v1/warnings", response_model=list[WarningReceivedPublic])
    async def warnings(
        stale: Annotated[bool | None, Query(description="only stale (true) or only fresh (false)")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> list[WarningReceivedPublic]:
        """The warning signals received, newest first, each marked stale (expired, or too old
        when received) or not, and whether the rules acted on it."""
        w = received_warnings.c
        query = select(received_warnings).order_by(w.received_at.desc(), w.issued_at.desc()).limit(limit)
        if stale is not None:
            query = query.where(w.stale.is_not(None) if stale else w.stale.is_(None))
        async with store.read() as conn:
            rows = (await conn.execute(query)).mappings().all()
        return [
            WarningReceivedPublic.model_validate({**row, "scope": Scope.model_validate_json(row["scope"])})
            for row in rows
        ]

    return router


def _public(source: RulesSource) -> RulesPublic:
    rules = source.current
    refused = source.refused
    return RulesPublic(
        id=rules.id,
        version=rules.version,
        description=rules.description,
        source=str(source.path),
        loaded_at=source.loaded_at,
        summary=tuple(
            RulesTablePublic(title=t.title, columns=t.columns, rows=t.rows) for t in summarise(rules)
        ),
        refused=RulesRefusalPublic(at=refused.at, message=refused.message) if refused else None,
    )
