"""Staff accounts from the command line: the first administrator, the list, role changes.

They flush, never commit: the command commits once.
"""

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from market.auth.errors import InvalidAccount, LastAdministrator, UnknownAccount, UnknownRole
from market.auth.models import ROLE_LABELS, Role, User
from market.auth.services import create_user, ensure_email_free, user_by_email
from market.extensions import db


def checked_email(email: str) -> str:
    """The same rule as the site's forms: a well-formed address, not a reserved domain."""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidAccount(
            _l("« %(email)s » is not a valid email address.", email=email)
        ) from None
    return email


def checked_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidAccount(_l("Give a name of 1 to 120 characters."))
    return name


def check_new_admin(email: str, name: str) -> None:
    """What can be refused before asking for the password."""
    checked_name(name)
    ensure_email_free(checked_email(email.strip()))


def create_admin(email: str, name: str, password: str) -> User:
    """An administrator with no household: staff are not sent the households' welcome."""
    check_new_admin(email, name)
    return create_user(
        name=name.strip(), email=email.strip(), phone=None, password=password, role=Role.ADMIN
    )


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.id)))


def fits_role(user: User, role: str) -> None:
    if not user.active:
        raise InvalidAccount(_l("This account is closed."))
    if role == Role.HOUSEHOLD and user.household_id is None:
        raise InvalidAccount(
            _l(
                "This account has no household: only an account registered "
                "as a household can have the household role."
            )
        )
    if role == Role.PRODUCER and user.producer_id is None:
        raise InvalidAccount(
            _l("This account belongs to no producer: invite the person to a producer instead.")
        )


def set_role(email: str, role: str) -> User:
    """Change a role, keeping at least one active administrator.

    Every administrator row is locked first (a write on SQLite takes the database's), so two
    demotions at once cannot each count the other as the administrator who remains.
    """
    if role not in ROLE_LABELS:
        raise UnknownRole(
            _l(
                "« %(role)s » is not a role; choose one of %(roles)s.",
                role=role,
                roles=", ".join(ROLE_LABELS),
            )
        )
    user = user_by_email(email)
    if user is None:
        raise UnknownAccount(_l("No account uses the email address %(email)s.", email=email))
    fits_role(user, role)
    if role != Role.ADMIN:
        db.session.execute(
            update(User)
            .where(User.role == Role.ADMIN)
            .values(role=User.role)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(user)
        others = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
        )
        if user.role == Role.ADMIN and others == 0:
            raise LastAdministrator(
                _l(
                    "%(email)s is the last administrator: make another "
                    "account administrator first.",
                    email=user.email,
                )
            )
    user.role = Role(role)
    db.session.flush()
    return user
