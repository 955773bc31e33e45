"""Register pages: supervisors upload the register; regulators list, filter and export the entries
in their scope (server-side pages, the URL keeps the filters); an upload's report is shown to the
uploading agency's supervisors."""

from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from supervision.audit.services import record_now
from supervision.authz import roles_required
from supervision.domain.enums import REGULATOR_ROLES, RegisterUploadStatus, Role
from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.main.helpers import code_name
from supervision.main.limits import accepts_upload
from supervision.main.paging import list_state, paginate
from supervision.register import queries, services
from supervision.register.forms import RegisterForm
from supervision.register.models import RegisterEntry
from supervision.rules.codes import CODE_LISTS

bp = Blueprint("register", __name__, url_prefix="/register")
#: most rows one CSV export holds (the exact count is in the file name when more match)
EXPORT_LIMIT = 200_000


def _filters() -> dict[str, str | None]:
    return {k: (request.args.get(k) or "").strip()[:100] or None for k in queries.FILTERS}


@bp.route("/", methods=["GET", "POST"])
@roles_required(*REGULATOR_ROLES)
@accepts_upload
def index():
    """Entries visible to the user (by institution scope) and, for supervisors, the upload form."""
    form = RegisterForm()
    if request.method == "POST":
        if current_user.role != Role.SUPERVISOR:
            abort(403)
        if not form.validate_on_submit():
            return _page(form), 400
        fh = form.file.data
        answer_errors_with(render=lambda: _page(form))
        upload = services.import_register(current_user, fh.stream, fh.filename or "register.xlsx")
        db.session.commit()
        if upload.status == RegisterUploadStatus.IMPORTED and upload.touched:
            from supervision.tasks import enqueue

            enqueue("supervision.checks.engine.run_register_job", upload.touched)
        if upload.status == RegisterUploadStatus.IMPORTED:
            flash(_("Register imported: %(c)s new, %(u)s updated, %(n)s unchanged.", c=upload.counts["created"],
                    u=upload.counts["updated"], n=upload.counts["unchanged"]), "success")
        else:
            flash(_("Register rejected; nothing was imported. See the errors below."), "danger")
        return redirect(url_for("register.index", upload=upload.id))
    return _page(form)


def _page(form: RegisterForm) -> str:
    """The register page: a page of entries in scope and, for supervisors, their agency's uploads."""
    raw = request.args.get("upload")
    upload = None
    if raw is not None:
        if not raw.isdigit() or len(raw) > 9:
            abort(400)
        upload = queries.upload(current_user, int(raw))
        if upload is None:
            abort(404)
    args = _filters()
    state = list_state(request.args, queries.SORTS, "transferred", "desc")
    paged = paginate(queries.entries_query(current_user, args), state, queries.SORTS,
                     tiebreak=(RegisterEntry.transfer_ref,))
    return render_template("register/index.html", paged=paged, entries=paged.items, form=form, upload=upload,
                           uploads=queries.uploads(current_user), args=args,
                           periods=queries.periods_with_entries(current_user), agencies=queries.agency_names(),
                           hotlines=CODE_LISTS["hotline"], categories=CODE_LISTS["business_category"])


@bp.get("/entries.csv")
@roles_required(*REGULATOR_ROLES)
def export():
    """The entries matching the page's filters, in its order, as CSV (UTF-8 with BOM; formula-like
    text neutralised; scoped like the page; audited)."""
    from reports.workbook.safe import csv_text

    args = _filters()
    state = list_state(request.args, queries.SORTS, "transferred", "desc")
    column = queries.SORTS[state.sort]
    q = queries.entries_query(current_user, args).order_by(column.desc() if state.descending else column.asc(),
                                                            RegisterEntry.transfer_ref)
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
    w.writerow(["转办编号 transfer_ref", "机构 institution", "统一社会信用代码 USCC", "转办日期 transferred_date",
                "报告期 period", "热线 hotline", "业务类别 business_category", "投诉原因 cause", "摘要 summary"])
    n = 0
    for e in db.session.scalars(q.limit(EXPORT_LIMIT)):
        n += 1
        w.writerow([csv_text(v) if isinstance(v, str) else v for v in (
            e.transfer_ref, e.institution.name, e.institution.code, e.transferred_date.isoformat(), e.period_code,
            f"{e.hotline} {code_name('hotline', e.hotline)}",
            f"{e.business_category or ''} {code_name('business_category', e.business_category)}".strip(),
            f"{e.cause or ''} {code_name('cause', e.cause)}".strip(), e.summary or "")])
    record_now("register_export", actor=current_user, object_type="register", detail={"filters": args, "rows": n})
    name = "register" + (f"-{args['period']}" if args.get("period") else "") + ".csv"
    return Response(out.getvalue(), content_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f"attachment; filename={name}"})
