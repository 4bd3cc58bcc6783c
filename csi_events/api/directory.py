"""Directory API: public look-ups of LEAs and schools for the registration type-ahead.

Only directory facts are returned. Closed LEAs and schools are left out unless include_closed=true."""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from ..directory.services import search_leas, search_schools
from .pagination import PageQuery, page_body
from .spec import route


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
