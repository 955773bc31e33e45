"""The scheduler admin page (role ``admin``): jobs with their next run time, last runs and outcome,
"run now", pause and resume — each action audited. "Run now" is a request the scheduler process
picks up within ``SUPERVISION_SCHEDULER_POLL_SECONDS``: jobs never run inside a web worker."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from supervision.authz import admin_required
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.jobs import definitions, queries, services
from supervision.jobs.forms import JobForm
from supervision.periods.models import Period
from supervision.timeutil import utcnow

bp = Blueprint("jobs", __name__, url_prefix="/admin/scheduler")


def _form() -> JobForm:
    form = JobForm()
    form.period.choices = [("", _("All due periods (calendar)"))] + [
        (p.code, p.code) for p in db.session.scalars(select(Period).order_by(Period.code.desc()))]
    return form


def _job_from_form() -> tuple[JobForm, definitions.JobDef]:
    form = _form()
    if not form.validate_on_submit():
        abort(400)
    job = definitions.get(form.job_id.data or "")
    if job is None:
        abort(400)
    return form, job


@bp.record_once
def _helpers(state) -> None:
    from supervision.jobs.readable import schedule_text

    state.app.jinja_env.globals["job_texts"] = definitions.TEXTS
    state.app.jinja_env.globals["schedule_text"] = schedule_text


def _title(job: definitions.JobDef) -> str:
    return str(definitions.TEXTS[job.id][0])


@bp.get("/")
@admin_required
def index():
    """Every job: schedule (Asia/Shanghai), next run, paused, pending request, latest runs."""
    now = utcnow()
    return render_template("jobs/index.html", jobs=queries.job_views(now), processes=queries.processes(),
                           alive=queries.scheduler_alive(now), form=_form(),
                           poll=current_app.config["SCHEDULER_POLL_SECONDS"])


@bp.get("/runs")
@admin_required
def runs():
    """The latest runs, optionally of one job (``?job=``), with output and error."""
    job_id = request.args.get("job") if definitions.get(request.args.get("job", "")) else None
    return render_template("jobs/runs.html", runs=queries.runs(job_id), job_id=job_id, jobs=definitions.JOBS)


@bp.post("/run")
@admin_required
def run_now():
    """Ask the scheduler process to run a job now (optionally for one period)."""
    form, job = _job_from_form()
    answer_errors_with(redirect_to=url_for("jobs.index"))
    services.request_run(current_user, job.id, form.period.data or None)
    db.session.commit()
    flash(_("Run of %(job)s requested; the scheduler starts it within a few seconds.", job=_title(job)), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/pause")
@admin_required
def pause():
    """Pause the scheduled runs of a job."""
    job = _job_from_form()[1]
    services.set_paused(current_user, job.id, True)
    db.session.commit()
    flash(_("%(job)s paused.", job=_title(job)), "success")
    return redirect(url_for("jobs.index"))


@bp.post("/resume")
@admin_required
def resume():
    """Resume the scheduled runs of a job."""
    job = _job_from_form()[1]
    services.set_paused(current_user, job.id, False)
    db.session.commit()
    flash(_("%(job)s resumed.", job=_title(job)), "success")
    return redirect(url_for("jobs.index"))
