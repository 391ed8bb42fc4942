"""HTTP views of the outbox: Prometheus `/metrics`, and the admin API of one partner's pushes."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from pydantic import BaseModel, Field
from sqlmodel import col, select

from hub.admin.router import RowId, require_admin
from hub.deps import SessionDep
from hub.errors import AdminBadRequestError, AdminNotFoundError
from hub.outbox import metrics
from hub.outbox.operations import UnknownModuleError, requeue_refused, resend
from hub.outbox.state import partner_outbox
from hub.reconcile import metrics as reconcile_metrics
from hub.tables import PartnerRecord
from hub.tables.outbox import ResyncRecord

router = APIRouter()
admin = APIRouter(prefix="/admin/partners", tags=["admin: push"], dependencies=[Depends(require_admin)])


@router.get("/metrics", include_in_schema=False)
async def get_metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus text format: push counters and latency of this process, outbox gauges from the database,
    reconciliation findings (recomputed at most every OCPI_HUB_RECONCILE_METRICS_MAX_AGE seconds), OCPP
    stations by connection state."""
    await reconcile_metrics.refresh(request.app.state)
    stations = getattr(request.app.state, "station_hub", None)
    if stations is not None:
        await stations.refresh_metrics()
    return Response(await metrics.render(session), media_type=CONTENT_TYPE_LATEST)


async def _partner(session: SessionDep, partner_id: int) -> PartnerRecord:
    partner = await session.get(PartnerRecord, partner_id)
    if partner is None:
        raise AdminNotFoundError(f"no partner with id {partner_id}")
    return partner


@admin.get("/{partner_id}/outbox")
async def get_outbox(partner_id: RowId, session: SessionDep) -> dict[str, object]:
    """Pending, refused and given-up pushes per module, resync marks and the latest failed attempts."""
    await _partner(session, partner_id)
    view = await partner_outbox(session, partner_id)
    assert view is not None
    return view


class ResendRequest(BaseModel):
    modules: list[str] | None = Field(
        default=None, description="modules to resend; default: those marked needs-resync"
    )


@admin.post("/{partner_id}/resend")
async def post_resend(partner_id: RowId, request: ResendRequest, session: SessionDep) -> dict[str, object]:
    """Queue a PUT of every object of ours in the modules to the partner, and clear their resync marks."""
    await _partner(session, partner_id)
    modules = request.modules
    if modules is None:
        marks = await session.exec(select(ResyncRecord).where(col(ResyncRecord.partner_id) == partner_id))
        modules = sorted(m.module for m in marks.all())
        if not modules:
            raise AdminBadRequestError("no module of this partner needs a resync: name the modules to resend")
    try:
        queued = await resend(session, partner_id, modules)
    except UnknownModuleError as exc:
        raise AdminBadRequestError(str(exc)) from None
    return {"partner_id": partner_id, "queued": queued}


@admin.post("/{partner_id}/outbox/retry")
async def post_retry(partner_id: RowId, session: SessionDep) -> dict[str, object]:
    """Send the refused CDRs and command results once more."""
    await _partner(session, partner_id)
    return {"partner_id": partner_id, "requeued": await requeue_refused(session, partner_id)}


router.include_router(admin)
