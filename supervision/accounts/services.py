"""Account actions: authentication, password changes, session invalidation, user management.

Every function takes the acting user where there is one, flushes and never commits.
"""

from __future__ import annotations

import contextlib
import functools
import re
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select

from supervision.accounts.models import User
from supervision.audit.services import record
from supervision.domain.enums import REGULATOR_ROLES, Role
from supervision.errors import ServiceError
from supervision.extensions import db
from supervision.timeutil import utcnow

_HASHERS: dict[tuple[int, int, int], tuple[PasswordHasher, str]] = {}


def _hasher_and_dummy() -> tuple[PasswordHasher, str]:
    """argon2id hasher with the configured cost (library defaults: t=3, m=64 MiB, p=4) and a
    dummy hash of the same cost used to equalise timing for unknown accounts."""
    from flask import current_app, has_app_context

    cfg = current_app.config if has_app_context() else {}
    key = (int(cfg.get("ARGON2_TIME_COST", 3)), int(cfg.get("ARGON2_MEMORY_COST", 65536)),
           int(cfg.get("ARGON2_PARALLELISM", 4)))
    if key not in _HASHERS:
        hasher = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2])
        _HASHERS[key] = (hasher, hasher.hash("timing-equaliser-not-a-password"))
    return _HASHERS[key]
MIN_PASSWORD_LENGTH = 12
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ServiceError):
    """A refused account action (bilingual message, HTTP status)."""


def hash_password(password: str) -> str:
    """argon2id hash of ``password``."""
    return _hasher_and_dummy()[0].hash(password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and stems (``supervision/data/security/common_passwords.txt``)."""
    path = Path(__file__).resolve().parent.parent / "data" / "security" / "common_passwords.txt"
    return frozenset(line.strip().lower() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip() and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """True when the password, or what is left after stripping digits and symbols at either end (or
    one repeated stem), is on the common-password list: ``password12``, ``Qwerty!2024``, ``abcabcabcabc``."""
    low = (password or "").lower()
    stem = low.strip("0123456789!@#$%^&*()_+-=.,;:?~`'\"[]{}<>/| ")
    common = common_passwords()
    if low in common or stem in common or len(set(low)) <= 3:
        return True
    for size in range(1, len(stem) // 2 + 1):  # a stem repeated: abcabcabcabc, 12341234…
        if len(stem) % size == 0 and stem[:size] * (len(stem) // size) == stem:
            return True
    return False


def check_password_strength(password: str) -> None:
    """Raise :class:`AccountError` unless the password has at least 12 characters, letters and
    digits, and is not a common password (ASVS V6.2.1, V6.2.4)."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少{MIN_PASSWORD_LENGTH}个字符 / "
                           f"password needs at least {MIN_PASSWORD_LENGTH} characters")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise AccountError("密码须同时包含字母和数字 / password needs letters and digits")
    if is_common_password(password):
        raise AccountError("该密码过于常见，容易被猜中，请换一个 / this password is too common and easily guessed: "
                           "choose another")


def normalise_email(email: str) -> str:
    """Trimmed, lower-cased e-mail address."""
    return (email or "").strip().lower()


def get_by_email(email: str) -> User | None:
    """The user with this e-mail (case-insensitive), or None."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None.

    Unknown e-mails still cost one hash verification so timing does not reveal which accounts
    exist; every attempt is audited with the same public result.
    """
    user = get_by_email(email)
    hasher, dummy = _hasher_and_dummy()
    if user is None:
        with contextlib.suppress(VerificationError, InvalidHashError):
            hasher.verify(dummy, password or "")
        record("login", actor_label=normalise_email(email)[:254] or "?", result="denied",
               detail={"reason": "unknown"})
        return None
    try:
        hasher.verify(user.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        record("login", actor=user, object_type="user", object_id=user.id, result="denied",
               detail={"reason": "password"})
        return None
    if not user.active:
        record("login", actor=user, object_type="user", object_id=user.id, result="denied",
               detail={"reason": "inactive"})
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    record("login", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<version>"`` → the active user whose session version matches."""
    try:
        uid_s, ver_s = session_id.split(":", 1)
        uid, ver = int(uid_s), int(ver_s)
    except (ValueError, AttributeError):
        return None
    user = db.session.get(User, uid)
    if user is None or not user.active or user.session_version != ver:
        return None
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session and remember-cookie of ``user`` (bump the session version)."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()


def logout(user: User) -> None:
    """Log out: end all of the user's sessions and audit it."""
    end_sessions(user)
    record("logout", actor=user, object_type="user", object_id=user.id)


def change_password(user: User, current: str, new: str) -> None:
    """Change the acting user's own password after checking the current one; ends other sessions.
    Wrong current passwords slow further attempts down exponentially (a stolen session cannot guess
    the password quickly)."""
    from supervision.accounts import throttle

    keys = throttle.password_change_keys(user.id)
    wait = throttle.wait_seconds(keys)
    if wait:
        record("password_change", actor=user, object_type="user", object_id=user.id, result="denied",
               detail={"reason": "throttled", "wait": wait})
        raise AccountError(f"尝试次数过多，请 {wait} 秒后再试 / too many attempts: try again in {wait} seconds", 429)
    try:
        _hasher_and_dummy()[0].verify(user.password_hash, current or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError) as exc:
        record("password_change", actor=user, object_type="user", object_id=user.id, result="denied")
        throttle.failed(keys)
        raise AccountError("当前密码不正确 / current password is wrong") from exc
    check_password_strength(new)
    throttle.succeeded(keys)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_sessions(user)
    record("password_change", actor=user, object_type="user", object_id=user.id)


def create_user(actor: User | None, *, email: str, role: str, password: str, name: str = "",
                institution_id: int | None = None, agency_id: int | None = None) -> User:
    """Create an account; validates role/membership and password strength; audited."""
    email = normalise_email(email)
    if not EMAIL_RE.match(email):
        raise AccountError(f"邮箱格式不正确 / invalid e-mail: {email!r}")
    if role not in Role.values():
        raise AccountError(f"角色无效 / invalid role {role!r}; one of {', '.join(Role.values())}")
    if role == Role.FILER and not institution_id:
        raise AccountError("填报用户必须属于一家机构 / a filer needs an institution")
    if role in REGULATOR_ROLES and not agency_id:
        raise AccountError("监管用户必须属于一个监管机构 / a regulator user needs an agency")
    if role == Role.FILER:
        agency_id = None
    if role != Role.FILER:
        institution_id = None
    if get_by_email(email) is not None:
        raise AccountError(f"该邮箱已存在 / e-mail already registered: {email}")
    check_password_strength(password)
    user = User(email=email, role=role, name=(name or "").strip()[:100], password_hash=hash_password(password),
                institution_id=institution_id, agency_id=agency_id, active=True, session_version=1)
    db.session.add(user)
    db.session.flush()
    record("user_create", actor=actor, object_type="user", object_id=user.id,
           detail={"email": email, "role": role, "institution_id": institution_id, "agency_id": agency_id})
    return user


def set_display_name(actor: User, user: User, name: str) -> None:
    """Set the name the platform greets and shows a user by (their own, or an admin for anyone);
    audited with the name before and after."""
    name = " ".join((name or "").split())
    if not name:
        raise AccountError("请填写姓名 / give a name")
    if len(name) > 100:
        raise AccountError("姓名不超过 100 个字符 / a name has at most 100 characters")
    if actor is not None and actor.id != user.id and actor.role != Role.ADMIN:
        raise AccountError("只能修改自己的姓名 / you may change only your own name", 403)
    before, user.name = user.name, name
    record("user_name", actor=actor, object_type="user", object_id=user.id, detail={"from": before, "to": name})


def set_active(actor: User, user: User, active: bool) -> None:
    """Activate or deactivate an account; deactivation ends its sessions at once."""
    if actor.id == user.id and not active:
        raise AccountError("不能停用自己的账户 / you cannot deactivate yourself")
    user.active = active
    if not active:
        end_sessions(user)
    record("user_activate" if active else "user_deactivate", actor=actor, object_type="user", object_id=user.id)


def admin_reset_password(actor: User, user: User, new: str) -> None:
    """An administrator sets a new password for ``user``; ends the user's sessions."""
    check_password_strength(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    end_sessions(user)
    record("password_reset", actor=actor, object_type="user", object_id=user.id)
