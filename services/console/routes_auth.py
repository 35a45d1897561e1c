"""Routes of logging in and out, and of officers' accounts (administrators only)."""

# No "from __future__ import annotations": FastAPI reads the dependency aliases defined
# inside the route factories at runtime.

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from schemas.console import AccountIn, AccountPublic, LoginIn, LoginOut, Permission
from services.console.service import Console
from services.web.auth import COOKIE, Caller
from services.web.routes import api_router

__all__ = ["auth_routes"]


def auth_routes(console: Console) -> APIRouter:
    """``/api/v1/auth/…`` and ``/api/v1/accounts``."""
    router = api_router(["console: sign-in"])
    auth = console.auth
    Signed = Annotated[Caller, Depends(auth.caller)]
    Admin = Annotated[Caller, Depends(auth.requires(Permission.ACCOUNTS))]

    @router.post("/api/v1/auth/login", response_model=LoginOut)
    async def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
        """Log in. The token works as ``Authorization: Bearer`` and is also set as an HttpOnly,
        SameSite=Strict cookie for the web page, which then sends ``X-CSRF-Token`` with changes.
        Failed logins are throttled, never locked out: 429 (with ``Retry-After``) while this
        account must wait at this address, or while a sprayed address tries an account never
        used from it; the same officer elsewhere logs in at once."""
        out = await console.sessions.login(body.username, body.password, source_ip=auth.address(request))
        response.set_cookie(
            COOKIE,
            out.token,
            max_age=console.settings.console_session_minutes * 60,
            httponly=True,
            samesite="strict",
            secure=console.secure_cookie,
            path="/",
        )
        response.headers["Cache-Control"] = "no-store"
        return out

    @router.post("/api/v1/auth/logout", status_code=204)
    async def logout(caller: Signed, response: Response) -> Response:
        """End this session."""
        await console.sessions.logout(caller.token, caller.actor)
        response.status_code = 204
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/api/v1/auth/me")
    async def me(caller: Signed, response: Response) -> dict[str, object]:
        """The logged-in officer, the session's expiry and its CSRF token (for the web page)."""
        response.headers["Cache-Control"] = "no-store"
        return {
            "officer": caller.officer.public().model_dump(mode="json"),
            "expires_at": caller.officer.expires_at.isoformat(),
            "csrf_token": caller.officer.csrf_token,
            "permissions": sorted(p.value for p in Permission if caller.can(p)),
        }

    @router.get("/api/v1/accounts", response_model=list[AccountPublic])
    async def accounts(caller: Admin) -> list[AccountPublic]:
        """Every officer's account (administrators)."""
        return await console.accounts.all()

    @router.post("/api/v1/accounts", status_code=201, response_model=AccountPublic)
    async def add_account(body: AccountIn, caller: Admin) -> AccountPublic:
        """Add an officer's account (administrators); 422 for a weak password, 409 if taken."""
        return await console.accounts.add(body, by=caller.actor)

    @router.post("/api/v1/accounts/{username}/disable", response_model=AccountPublic)
    async def disable_account(username: str, caller: Admin) -> AccountPublic:
        """Disable an account and end its sessions (administrators)."""
        return await console.accounts.disable(username, by=caller.actor)

    return router
