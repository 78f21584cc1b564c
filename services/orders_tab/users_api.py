"""The JSON API of people: who am I, my personal API token, and (admins) the users."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from services.orders_tab import accounts
from services.orders_tab.accounts import NAME_PATTERN, AccountError
from services.orders_tab.auth import api_access
from services.orders_tab.logins import Principal
from services.orders_tab.presenter import ErrorOut
from services.orders_tab.roles import Permission, Role

ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}

router = APIRouter(prefix="/api", responses=ERRORS)  # type: ignore[arg-type]

UserName = Annotated[str, Path(pattern=NAME_PATTERN, max_length=63)]
Reader = Annotated[Principal, Depends(api_access(Permission.READ))]
Admin = Annotated[Principal, Depends(api_access(Permission.MANAGE_USERS))]


class MeOut(BaseModel):
    name: str
    role: Role
    bootstrap: bool = Field(description="Signed in with the bootstrap admin token (no named admin exists yet)")


class TokenOut(BaseModel):
    token: str = Field(description="Shown this once; only its digest is kept")
    message: str


class UserOut(BaseModel):
    name: str
    role: Role
    active: bool
    created_at: datetime
    disabled_at: datetime | None
    has_token: bool


class UsersOut(BaseModel):
    items: list[UserOut]


class NewUserIn(BaseModel):
    name: str = Field(pattern=NAME_PATTERN, max_length=63)
    role: Role
    password: str = Field(min_length=accounts.MIN_PASSWORD, max_length=accounts.MAX_PASSWORD)


class NewUserOut(BaseModel):
    user: UserOut
    token: str = Field(description="The user's personal API token, shown this once")


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def user_out(u: accounts.User) -> UserOut:
    return UserOut(name=u.name, role=u.role, active=u.active, created_at=u.created_at, disabled_at=u.disabled_at,
                   has_token=u.has_token)


@router.get("/me", response_model=MeOut, summary="Who you are signed in as")
def me(who: Reader) -> MeOut:
    return MeOut(name=who.name, role=who.role, bootstrap=who.bootstrap)


@router.post("/me/token", response_model=TokenOut, summary="A new personal API token (the previous one stops working)")
def my_token(request: Request, who: Reader) -> TokenOut:
    with _engine(request).begin() as conn:
        user = accounts.by_id(conn, who.user_id) if who.user_id is not None else None
        if user is None:
            raise HTTPException(422, detail="the bootstrap admin has no personal token: create a named admin")
        token = accounts.rotate_token(conn, user)
    return TokenOut(token=token, message="Keep this token: it is shown once. Your previous token no longer works.")


@router.get("/users", response_model=UsersOut, summary="Users and their roles (admin)")
def list_users(request: Request, who: Admin) -> UsersOut:
    with _engine(request).connect() as conn:
        return UsersOut(items=[user_out(u) for u in accounts.list_users(conn)])


@router.post("/users", response_model=NewUserOut, status_code=201, responses={409: {"model": ErrorOut}},
             summary="Add a user (admin)")
def add_user(request: Request, body: NewUserIn, who: Admin) -> NewUserOut:
    with _engine(request).begin() as conn:
        if accounts.find(conn, body.name) is not None:
            raise HTTPException(409, detail=f"a user named {body.name!r} already exists")
        try:
            user, token = accounts.add_user(conn, body.name, body.role, body.password)
        except AccountError as exc:
            raise HTTPException(422, detail=str(exc)) from None
    return NewUserOut(user=user_out(user), token=token)


@router.post("/users/{name}/disable", response_model=UserOut, responses={409: {"model": ErrorOut}},
             summary="Disable a user (admin; not yourself)")
def disable_user(request: Request, name: UserName, who: Admin) -> UserOut:
    if who.user_id is not None and who.name == name:
        # so the last admin cannot lock everyone out from the page (`sales-channel users disable` still can)
        raise HTTPException(409, detail="you cannot disable your own account; ask another admin")
    with _engine(request).begin() as conn:
        try:
            return user_out(accounts.disable(conn, name))
        except AccountError as exc:
            raise HTTPException(404, detail=str(exc)) from None
