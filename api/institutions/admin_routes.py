"""The card centre's door of institutions and regions."""

from __future__ import annotations

from api.institutions import service
from api.institutions.models import Institution
from api.institutions.schemas import (
    InstitutionCreate,
    InstitutionList,
    InstitutionOut,
    InstitutionPatch,
    InstitutionQuery,
    RegionList,
    RegionOut,
    RegionPut,
)
from api.web.caller import caller_of, ctx_of
from api.web.endpoint import admin_route
from api.web.http import Request


def institution_out(found: Institution) -> InstitutionOut:
    """An institution as the admin API shows it."""
    return InstitutionOut.model_validate(found)


async def create_institution(request: Request, body: InstitutionCreate) -> InstitutionOut:
    """Register an institution (a card centre, hospital, community health centre…)."""
    return institution_out(await service.create(caller_of(request), **body.model_dump()))


async def list_institutions(request: Request, query: InstitutionQuery) -> InstitutionList:
    """Institutions inside your scope, by region prefix, kind and whether active."""
    found = await service.listing(caller_of(request), query.region, query.kind, query.active)
    return InstitutionList(institutions=[institution_out(i) for i in found])


async def get_institution(request: Request) -> InstitutionOut:
    """One institution."""
    code = request.path_params["institution_code"]
    return institution_out(await service.get(caller_of(request), code))


async def patch_institution(request: Request, body: InstitutionPatch) -> InstitutionOut:
    """Change an institution's name, level, region or parent."""
    changes = body.model_dump(exclude_unset=True)
    code = request.path_params["institution_code"]
    return institution_out(await service.update(caller_of(request), code, changes))


async def deactivate_institution(request: Request) -> InstitutionOut:
    """Deactivate an institution: its terminals stop working at once."""
    code = request.path_params["institution_code"]
    return institution_out(await service.deactivate(ctx_of(request), caller_of(request), code))


async def put_region(request: Request, body: RegionPut) -> RegionOut:
    """Add a region code, or name one and give its population."""
    region = await service.put_region(
        caller_of(request), request.path_params["region_code"], body.name, body.population
    )
    return RegionOut.model_validate(region)


async def list_regions(request: Request) -> RegionList:
    """Every known region code (the seeded ones and those added)."""
    found = await service.list_regions(caller_of(request))
    return RegionList(regions=[RegionOut(code=c, name=n, population=p) for c, n, p in found])


INSTITUTION = "/api/v1/admin/institutions/{institution_code}"

routes = [
    admin_route("POST", "/api/v1/admin/institutions", create_institution, body=InstitutionCreate,
                response=InstitutionOut, status=201, errors=["CONFLICT", "FORBIDDEN"]),
    admin_route("GET", "/api/v1/admin/institutions", list_institutions, query=InstitutionQuery,
                response=InstitutionList),
    admin_route("GET", INSTITUTION, get_institution, response=InstitutionOut),
    admin_route("PATCH", INSTITUTION, patch_institution, body=InstitutionPatch,
                response=InstitutionOut),
    admin_route("POST", INSTITUTION + "/deactivate", deactivate_institution,
                response=InstitutionOut),
    admin_route("GET", "/api/v1/admin/regions", list_regions, response=RegionList),
    admin_route("PUT", "/api/v1/admin/regions/{region_code}", put_region, body=RegionPut,
                response=RegionOut),
]  # fmt: skip
