"""API token commands (issue 13)::

    supervision tokens create EMAIL --scope read|submit|manage [--days N] [--name TEXT]
    supervision tokens list [EMAIL]
    supervision tokens revoke ID

``create`` prints the token alone on its last line (shown once; only its hash is stored), so a
script can take it with ``tail -n 1``.
"""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from supervision.extensions import db
from supervision.tokens.models import SCOPES


def _fail(message: str, code: int = 1):
    click.echo(message, err=True)
    sys.exit(code)


@click.group("tokens", cls=AppGroup)
def tokens():
    """Create, list and revoke API tokens."""


@tokens.command("create")
@with_appcontext
@click.argument("email")
@click.option("--scope", type=click.Choice(SCOPES), required=True, help="read, submit (uploads) or manage.")
@click.option("--days", type=int, default=90, show_default=True, help="Days until the token expires (1-366).")
@click.option("--name", default="", help="What the token is for (shown in lists).")
def tokens_create(email, scope, days, name):
    """Create a token for the user EMAIL; the token is printed once, alone on the last line."""
    from supervision.accounts.services import get_by_email
    from supervision.tokens.services import TokenError, create_token

    user = get_by_email(email)
    if user is None:
        _fail(f"用户不存在 / no such user: {email}", 2)
    try:
        token, secret = create_token(None, user, scope, days, name)
    except TokenError as exc:
        _fail(str(exc), 2)
    db.session.commit()
    click.echo(f"token {token.id} for {user.email}: scope {token.scope}, expires {token.expires_at:%Y-%m-%d %H:%M} "
               f"UTC; shown once — store it now / 令牌仅显示一次，请立即保存")
    click.echo(secret)


@tokens.command("list")
@with_appcontext
@click.argument("email", required=False)
def tokens_list(email):
    """List tokens (of one user with EMAIL): id, prefix, user, scope, expiry, last use, state."""
    from supervision.accounts.models import User
    from supervision.tokens.models import ApiToken
    from supervision.tokens.services import is_usable

    q = select(ApiToken).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if email:
        q = q.where(User.email == email.strip().lower())
    for t in db.session.scalars(q):
        state = "active" if is_usable(t) else ("revoked" if t.revoked_at else "expired")
        used = f"{t.last_used_at:%Y-%m-%d %H:%M} from {t.last_used_address}" if t.last_used_at else "never used"
        click.echo(f"{t.id}\t{t.prefix}…\t{t.user.email}\t{t.scope}\texpires {t.expires_at:%Y-%m-%d}\t{used}\t{state}")


@tokens.command("revoke")
@with_appcontext
@click.argument("token_id", type=int)
def tokens_revoke(token_id):
    """Revoke token ID (audited)."""
    from supervision.tokens.models import ApiToken
    from supervision.tokens.services import revoke_token

    token = db.session.get(ApiToken, token_id)
    if token is None:
        _fail(f"令牌不存在 / no such token: {token_id}", 2)
    revoke_token(None, token)
    db.session.commit()
    click.echo(f"token {token.id} ({token.prefix}…) revoked")
