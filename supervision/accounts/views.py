"""Login, logout, own account and password change."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import OperationalError

from supervision.accounts import services
from supervision.accounts.forms import LoginForm, PasswordForm
from supervision.errors import answer_errors_with
from supervision.extensions import db, limiter
from supervision.main.helpers import safe_next

bp = Blueprint("accounts", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _email_key() -> str:
    return "login-email:" + services.normalise_email(request.form.get("email", ""))[:254]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
@limiter.limit(_login_limit, methods=["POST"], key_func=_email_key)
def login():
    """Log in; the same message for unknown accounts, wrong passwords and deactivated accounts."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
            db.session.flush()
        except OperationalError:
            # SQLite: another process committed since this request's first read; start afresh once
            db.session.rollback()
            user = services.authenticate(form.email.data, form.password.data)
        if user is None:
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


@bp.get("/account")
@login_required
def account():
    """The acting user's own account page."""
    return render_template("accounts/account.html", form=PasswordForm())


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change one's own password; other sessions end, this one continues with the new version."""
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # a refusal keeps the audit record of the failed attempt
        answer_errors_with(render=lambda: render_template("accounts/account.html", form=form), commit=True)
        services.change_password(user, form.current.data, form.new.data)
        db.session.commit()
        login_user(user)  # re-issue this session with the new session version
        flash(_("Your password has been changed. Other sessions have been signed out."), "success")
        return redirect(url_for("accounts.account"))
    if request.method == "POST":
        return render_template("accounts/account.html", form=form), 400
    return render_template("accounts/account.html", form=form)
