"""``/api/v1/jobs``: the scheduled job runs, for administrators (read only)."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from sqlalchemy import select

from supervision.api.paging import keyset_page
from supervision.api.schemas import CursorArgsSchema, page_schema
from supervision.authz import admin_required
from supervision.extensions import db
from supervision.jobs.models import JobRun
from supervision.jobs.schemas import JobRunArgsSchema, JobRunSchema

blp = Blueprint("api_jobs", __name__, url_prefix="/api/v1", description="Scheduled job runs (administrators)")
JobRunPage = page_schema(JobRunSchema, "JobRunPage")


class JobRunListArgs(CursorArgsSchema, JobRunArgsSchema):
    """Cursor and filters."""


@blp.get("/jobs/runs")
@admin_required
@blp.arguments(JobRunListArgs, location="query")
@blp.response(200, JobRunPage)
def runs(args):
    """Job runs, newest first, filtered by job and status."""
    q = select(JobRun)
    if args["job"]:
        q = q.where(JobRun.job_id == args["job"])
    if args["status"]:
        q = q.where(JobRun.status == args["status"])
    rows, nxt = keyset_page(q, JobRun.id, "job-runs", args["cursor"], args["limit"])
    return {"items": rows, "next_cursor": nxt}


@blp.get("/jobs/runs/<int:run_id>")
@admin_required
@blp.response(200, JobRunSchema)
def run(run_id: int):
    """One job run."""
    job_run = db.session.get(JobRun, run_id)
    if job_run is None:
        abort(404)
    return job_run
