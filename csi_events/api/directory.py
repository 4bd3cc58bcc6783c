"""Directory API: public look-ups of LEAs and schools for the registration type-ahead, and staff edits.

Only directory facts are returned. Closed LEAs and schools are left out of the lists unless include_closed=true.
PATCH (scope `write`) changes what staff edit on the LEA and school pages, through the same services."""

from __future__ import annotations

from typing import Annotated, Literal

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..db import commit
from ..directory.models import Lea, School
from ..directory.services import search_leas, search_schools, update_lea, update_school
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from .auth import Caller
from .pagination import PageQuery, page_body
from .spec import route

Subregion = Annotated[int, Field(strict=True, ge=1, le=8)]
CcsppStatus = Literal["none", "planning", "implementation"]


class LeaQuery(PageQuery):
    q: str | None = Field(None, max_length=100)
    subregion: int | None = Field(None, ge=1, le=8)
    kind: str | None = Field(None, pattern="^(district|charter|county_office)$")
    include_closed: bool = False


class SchoolQuery(PageQuery):
    q: str | None = Field(None, max_length=100)
    lea: str | None = Field(None, description="CD code of the LEA (7 digits)")
    subregion: int | None = Field(None, ge=1, le=8)
    include_closed: bool = False

    @field_validator("lea")
    @classmethod
    def seven_digits(cls, value: str | None) -> str | None:
        if value is not None and not (len(value) == 7 and value.isascii() and value.isdigit()):
            raise ValueError("give the LEA's 7-digit CD code")
        return value


class LeaItem(BaseModel):
    cd_code: str
    name: str
    kind: str
    subregion: int | None
    ccspp_status: str
    is_closed: bool


class SchoolItem(BaseModel):
    cds_code: str
    name: str
    lea: str
    lea_name: str
    city: str | None
    subregion: int | None
    is_closed: bool


class LeaPage(BaseModel):
    items: list[LeaItem]
    page: int
    per_page: int
    total: int


class SchoolPage(BaseModel):
    items: list[SchoolItem]
    page: int
    per_page: int
    total: int


def lea_item(lea) -> dict:
    return {
        "cd_code": lea.cd_code,
        "name": lea.name,
        "kind": lea.kind,
        "subregion": lea.subregion,
        "ccspp_status": lea.ccspp_status,
        "is_closed": lea.is_closed,
    }


def school_item(school) -> dict:
    return {
        "cds_code": school.cds_code,
        "name": school.name,
        "lea": school.lea.cd_code,
        "lea_name": school.lea.name,
        "city": school.city,
        "subregion": school.subregion,
        "is_closed": school.is_closed,
    }


@route("/leas", query=LeaQuery, response=LeaPage, summary="Search LEAs (public)", tags=["directory"])
def list_leas(caller, query: LeaQuery):
    page = search_leas(
        query.q,
        subregion=query.subregion,
        kind=query.kind,
        include_closed=query.include_closed,
        page=query.page,
        per_page=query.per_page,
    )
    return page_body([lea_item(lea) for lea in page.items], page.page, page.per_page, page.total)


@route("/schools", query=SchoolQuery, response=SchoolPage, summary="Search schools (public)", tags=["directory"])
def list_schools(caller, query: SchoolQuery):
    page = search_schools(
        query.q,
        lea_cd_code=query.lea,
        subregion=query.subregion,
        include_closed=query.include_closed,
        page=query.page,
        per_page=query.per_page,
    )
    return page_body([school_item(s) for s in page.items], page.page, page.per_page, page.total)


class LeaDetail(LeaItem):
    aliases: str | None = Field(description="Other names people type, comma-separated")
    ccspp_cohort: str | None


class SchoolDetail(SchoolItem):
    ccspp_status: str


class LeaPatch(BaseModel):
    """Only the fields given change; `subregion: null` means none (countywide or not set)."""

    model_config = ConfigDict(extra="forbid")

    subregion: Subregion | None = None
    kind: Literal["district", "charter", "county_office"] | None = None
    ccspp_status: CcsppStatus | None = None
    ccspp_cohort: str | None = Field(None, max_length=40)
    aliases: str | None = Field(None, max_length=2000, description="Comma-separated; the whole list")


class SchoolPatch(BaseModel):
    """Only the fields given change; `subregion: null` means none (the school counts under its LEA's)."""

    model_config = ConfigDict(extra="forbid")

    subregion: Subregion | None = None
    ccspp_status: CcsppStatus | None = None
    is_closed: bool | None = None


def lea_detail(lea: Lea) -> dict:
    return {**lea_item(lea), "aliases": lea.aliases, "ccspp_cohort": lea.ccspp_cohort}


def school_detail(school: School) -> dict:
    return {**school_item(school), "ccspp_status": school.ccspp_status}


def _lea(cd_code: str) -> Lea:
    lea = db.session.scalar(select(Lea).where(Lea.cd_code == cd_code))
    if lea is None:
        raise NotFound(_("No LEA has the CD code %(c)s.", c=cd_code[:20]))
    return lea


def _school(cds_code: str) -> School:
    school = db.session.scalar(select(School).where(School.cds_code == cds_code).options(joinedload(School.lea)))
    if school is None:
        raise NotFound(_("No school has the CDS code %(c)s.", c=cds_code[:20]))
    return school


def _refuse_nulls(body: BaseModel, *names: str) -> None:
    """These fields may be left out, but not set to null."""
    nulls = [n for n in names if n in body.model_fields_set and getattr(body, n) is None]
    if nulls:
        raise ValidationFailed(
            _("Some fields are invalid."), fields={n: [_("This field cannot be null.")] for n in nulls}
        )


def _given(body: BaseModel, name: str, current):
    """The body's value of `name` when it was sent (null included), else the current one."""
    return getattr(body, name) if name in body.model_fields_set else current


@route("/leas/<cd_code>", response=LeaDetail, summary="One LEA (public)", tags=["directory"])
def get_lea(caller: Caller, cd_code: str):
    return lea_detail(_lea(cd_code))


@route("/leas/<cd_code>", "PATCH", scope="write", body=LeaPatch, response=LeaDetail, tags=["directory"])
def patch_lea(caller: Caller, cd_code: str, body: LeaPatch):
    """Change an LEA's subregion, kind, CCSPP status and cohort, or other names (as staff do on its page)."""
    lea = _lea(cd_code)
    _refuse_nulls(body, "kind", "ccspp_status")
    update_lea(
        lea,
        kind=_given(body, "kind", lea.kind),
        subregion=_given(body, "subregion", lea.subregion),
        ccspp_status=_given(body, "ccspp_status", lea.ccspp_status),
        ccspp_cohort=_given(body, "ccspp_cohort", lea.ccspp_cohort),
        aliases=(body.aliases or "") if "aliases" in body.model_fields_set else None,
        actor=caller.user,
    )
    commit(db.session)
    return lea_detail(lea)


@route("/schools/<cds_code>", response=SchoolDetail, summary="One school (public)", tags=["directory"])
def get_school(caller: Caller, cds_code: str):
    return school_detail(_school(cds_code))


@route("/schools/<cds_code>", "PATCH", scope="write", body=SchoolPatch, response=SchoolDetail, tags=["directory"])
def patch_school(caller: Caller, cds_code: str, body: SchoolPatch):
    """Change a school's subregion, CCSPP status or closed flag (as staff do on its page)."""
    school = _school(cds_code)
    _refuse_nulls(body, "ccspp_status", "is_closed")
    update_school(
        school,
        subregion=_given(body, "subregion", school.subregion),
        ccspp_status=_given(body, "ccspp_status", school.ccspp_status),
        is_closed=_given(body, "is_closed", school.is_closed),
        actor=caller.user,
    )
    commit(db.session)
    return school_detail(school)
