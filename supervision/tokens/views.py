"""The account page's API tokens: create (the secret is shown once, on the answer page itself,
never flashed into the session cookie) and revoke."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from supervision.errors import answer_errors_with
from supervision.extensions import db
from supervision.tokens import services
from supervision.tokens.forms import TokenForm, scope_choices
from supervision.tokens.models import ApiToken

bp = Blueprint("tokens", __name__, url_prefix="/account/tokens")


def _form(formdata=True) -> TokenForm:
    form = TokenForm() if formdata else TokenForm(formdata=None)
    form.scope.choices = scope_choices(current_user.role)
    return form


def _page(form: TokenForm, status: int = 200):
    """The account page (its other forms blank) with this token form."""
    from supervision.accounts.forms import NameForm, PasswordForm

    g.token_form = form
    return render_template("accounts/account.html", form=PasswordForm(formdata=None),
                           name_form=NameForm(formdata=None, name=current_user.name)), status


@bp.post("")
@login_required
def create():
    """Create a token for oneself; the page shows its secret once."""
    form = _form()
    if not form.validate_on_submit():
        return _page(form, 400)
    answer_errors_with(render=lambda: _page(form)[0])
    _token, secret = services.create_token(current_user, current_user._get_current_object(), form.scope.data,
                                           form.days.data, form.name.data)
    db.session.commit()
    g.new_api_token = secret
    return _page(_form(formdata=False))


@bp.post("/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    """Revoke one of one's own tokens (another user's is 404)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(current_user, token)
    db.session.commit()
    flash(_("The token has been revoked."), "success")
    return redirect(url_for("accounts.account"))


@bp.app_template_global()
def api_token_form() -> TokenForm:
    """The new-token form of the account page (the refused one, with its errors, after a POST)."""
    return g.get("token_form") or _form(formdata=False)


@bp.app_template_global()
def my_api_tokens() -> list[ApiToken]:
    """The acting user's tokens, newest first."""
    return services.tokens_of(current_user)


@bp.app_template_global()
def api_token_usable(token: ApiToken) -> bool:
    """Whether a token still works (not revoked, not expired)."""
    return services.is_usable(token)
