"""Login, logout, own account and password change."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import OperationalError

from supervision.accounts import services, throttle
from supervision.accounts.forms import LoginForm, NameForm, PasswordForm
from supervision.audit.services import record
from supervision.errors import answer_errors_with
from supervision.extensions import db, limiter
from supervision.main.helpers import safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_failed(response) -> bool:
    """Only attempts that did not sign in count against the address's limit (a successful login
    answers 302): a whole office behind one address signing in all morning is never refused, a
    script trying passwords across accounts from one address is."""
    return response.status_code != 302


def _login_limited(limit):
    """The login form again, with the e-mail typed and how long to wait (``LOGIN_RATE_LIMIT``)."""
    wait = max(1, int(limit.reset_at - time.time()))
    form = LoginForm()
    form.password.data = ""
    record("login", actor_label=services.normalise_email(form.email.data or "")[:254] or "?", result="denied",
           detail={"reason": "address_limit", "wait": wait})
    db.session.commit()
    flash(_("Too many failed attempts from this address: try again in %(n)s seconds.", n=wait), "danger")
    return make_response(render_template("accounts/login.html", form=form), 429)


@bp.before_app_request
def _idle_timeout():
    """End a signed-in session idle for longer than ``SESSION_IDLE_MINUTES`` (remember-me cookie
    included); otherwise note this request as the session's last activity."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = int(time.time())
    seen = session.get("seen")
    if isinstance(seen, int) and now - seen > int(current_app.config["SESSION_IDLE_MINUTES"]) * 60:
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_("You were signed out after a period of inactivity."), "info")
        return redirect(url_for("accounts.login", next=request.full_path if request.method == "GET" else None))
    if not isinstance(seen, int) or now - seen >= 60:  # the cookie changes at most once a minute
        session["seen"] = now
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"], deduct_when=_login_failed, on_breach=_login_limited)
def login():
    """Log in; the same message for unknown accounts, wrong passwords and deactivated accounts.
    Failures slow down further attempts (:mod:`supervision.accounts.throttle`): much for the address
    that made them, briefly for the account from anywhere, so no one can lock an account out."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        keys = throttle.login_keys(form.email.data, request.remote_addr)
        wait = throttle.wait_seconds(keys)
        if wait:
            record("login", actor_label=services.normalise_email(form.email.data)[:254] or "?", result="denied",
                   detail={"reason": "throttled", "wait": wait})
            db.session.commit()
            flash(_("Too many failed attempts: try again in %(n)s seconds.", n=wait), "danger")
            return render_template("accounts/login.html", form=form), 429
        try:
            user = services.authenticate(form.email.data, form.password.data)
            db.session.flush()
        except OperationalError:
            # SQLite: another process committed since this request's first read; start afresh once
            db.session.rollback()
            user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            throttle.failed(keys)
            db.session.commit()  # keep the audit record of the failed attempt
            flash(_("E-mail or password is incorrect, or the account is not active."), "danger")
            return render_template("accounts/login.html", form=form), 200
        lang = session.get("lang")
        session.clear()  # no session fixation: a fresh session on login
        if lang:
            session["lang"] = lang
        elif user.locale:
            session["lang"] = user.locale
        login_user(user, remember=bool(form.remember.data))
        throttle.succeeded(keys)
        db.session.commit()
        return redirect(safe_next(request.args.get("next")))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out and invalidate every session and remember-cookie of this account."""
    user = current_user._get_current_object()
    services.logout(user)
    db.session.commit()
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have been logged out."), "info")
    return redirect(url_for("accounts.login"))


def _account_page(form: PasswordForm | None = None, name_form: NameForm | None = None) -> str:
    """The account page; a refused form comes back with the user's input and its errors."""
    return render_template("accounts/account.html", form=form or PasswordForm(formdata=None),
                           name_form=name_form or NameForm(formdata=None, name=current_user.name))


@bp.get("/account")
@login_required
def account():
    """The acting user's own account page."""
    return _account_page()


@bp.post("/account/name")
@login_required
def change_name():
    """Set one's own display name."""
    form = NameForm()
    if not form.validate_on_submit():
        return _account_page(name_form=form), 400
    answer_errors_with(render=lambda: _account_page(name_form=form))
    services.set_display_name(current_user, current_user._get_current_object(), form.name.data)
    db.session.commit()
    flash(_("Your name has been saved."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other sessions end, this one continues with the new version."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # a refusal keeps the audit record of the failed attempt
        answer_errors_with(render=lambda: _account_page(form=form), commit=True)
        services.change_password(user, form.current.data, form.new.data)
        db.session.commit()
        login_user(user)  # re-issue this session with the new session version
        flash(_("Your password has been changed. Other sessions have been signed out."), "success")
        return redirect(url_for("accounts.account"))
    if request.method == "POST":
        return _account_page(form=form), 400
    return _account_page(form=form)
