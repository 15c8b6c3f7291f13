"""Account pages: thin views around the services."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.auth import bp
from market.auth import services as accounts
from market.auth.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ConfirmSignupForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
)
from market.auth.models import SignupKind
from market.auth.sessions import (
    DEVICE_COOKIE,
    close_session,
    log_in,
    remember_device,
    revoke_everything,
)
from market.errors import DomainError
from market.extensions import db
from market.i18n import select_locale
from market.web import form_page, form_status, is_local_path, refuse


def next_page(default_endpoint: str = "main.home") -> str:
    target = request.args.get("next") or request.form.get("next")
    return target if is_local_path(target) else url_for(default_endpoint)


def client_address() -> str:
    """The visitor's address: behind the proxies MARKET_PROXY_COUNT declares, the one they
    saw (ProxyFix); never a forwarded header nobody vouches for."""
    return request.remote_addr or "unknown"


def check_your_inbox(email: str):
    """The same answer whether or not the address already has an account."""
    return render_template("auth/check_inbox.html", email=accounts.normalise_email(email))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            accounts.request_signup(
                SignupKind.HOUSEHOLD,
                email=form.email.data,
                password=form.password.data,
                locale=select_locale(),
                name=form.name.data,
                phone=form.phone.data,
                second_collector=form.second_collector.data,
            )
        except DomainError as error:
            refuse(error, form_page, "auth/register.html", form, error.status)
        return check_your_inbox(form.email.data)
    return form_page("auth/register.html", form, form_status(form))


@bp.route("/signup/<token>", methods=["GET", "POST"])
def confirm_signup(token: str):
    """The emailed link: a button (a POST), so that a mail scanner opening links creates
    nothing."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    try:
        signup = accounts.usable_signup(token)
    except DomainError as error:
        return render_template("auth/token_invalid.html", message=error.message), 400
    form = ConfirmSignupForm()
    if form.validate_on_submit():
        try:
            user = accounts.complete_signup(token)
        except DomainError as error:
            refuse(error, form_page, "auth/confirm_signup.html", form, error.status, signup=signup)
        log_in(user)
        if user.producer_id:
            flash(_("Thank you! Your application has been sent to the coordinator."), "success")
            return redirect(url_for("catalog.dashboard"))
        flash(_("Welcome, %(name)s! Your household account is ready.", name=user.name), "success")
        return redirect(url_for("main.home"))
    return form_page("auth/confirm_signup.html", form, 200, signup=signup)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(next_page())
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                form.email.data or "",
                form.password.data or "",
                client_address(),
                request.cookies.get(DEVICE_COOKIE),
            )
        except accounts.InvalidCredentials as error:
            # Commits before the request ends: a refused log-in answers 401, whose changes
            # the request would undo, and the record of the failed attempt must stay.
            db.session.commit()
            flash(error.message, "error")
            status = error.status
        except DomainError as error:
            refuse(error, form_page, "auth/login.html", form, error.status)
        else:
            log_in(user, remember=form.remember.data)
            # The coordinator's home is the dashboard.
            response = redirect(
                next_page("figures.coordinator_dashboard" if user.is_staff else "main.home")
            )
            remember_device(response, user)
            return response
    elif form.errors:
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    close_session(current_user)
    flash(_("You are logged out. See you soon!"), "success")
    return redirect(url_for("main.home"))


@bp.route("/account/log-out-everywhere", methods=["POST"])
@login_required
def log_out_everywhere():
    """A lost phone, a shared computer: every session of the account ends, this one too."""
    revoke_everything(current_user)
    close_session(current_user)
    flash(_("You are logged out on every device. Log in again here to go on."), "success")
    return redirect(url_for("main.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash(
            _(
                "If an account uses this address, we have sent it a link to choose a new "
                "password. Check your inbox."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        accounts.usable_reset(token)
    except DomainError as error:
        return render_template("auth/token_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except DomainError as error:
            refuse(error, form_page, "auth/reset_password.html", form, error.status)
        flash(_("Your password has been changed. You can log in."), "success")
        return redirect(url_for("auth.login"))
    return form_page("auth/reset_password.html", form, form_status(form))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET" and current_user.household:
        form.second_collector.data = current_user.household.second_collector
        form.town.data = current_user.household.town
        form.address.data = current_user.household.address
        form.postcode.data = current_user.household.postcode
    if form.validate_on_submit():
        accounts.update_profile(
            current_user,
            name=form.name.data,
            phone=form.phone.data,
            locale=form.locale.data,
            second_collector=form.second_collector.data,
            reminders=form.reminders.data,
            town=form.town.data,
            address=form.address.data,
            postcode=form.postcode.data,
        )
        flash(_("Your details have been saved."), "success")
        return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", form=form), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current.data or "", form.password.data or ""
            )
        except DomainError as error:
            refuse(error, form_page, "auth/change_password.html", form, error.status)
        # Every other device is logged out; this one goes on in a new session.
        log_in(
            current_user._get_current_object(),
            remember=request.cookies.get(current_app.config["REMEMBER_COOKIE_NAME"]) is not None,
        )
        flash(_("Your password has been changed. Every other device is logged out."), "success")
        return redirect(url_for("auth.profile"))
    return form_page("auth/change_password.html", form, form_status(form))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    if current_user.is_authenticated:
        abort(403)
    try:
        invitation = accounts.usable_invitation(token)
    except DomainError as error:
        return render_template("auth/token_invalid.html", message=error.message), 400
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = accounts.accept_invitation(
                token,
                name=form.name.data,
                phone=form.phone.data,
                password=form.password.data,
                locale=select_locale(),
            )
        except DomainError as error:
            refuse(
                error,
                form_page,
                "auth/accept_invitation.html",
                form,
                error.status,
                invitation=invitation,
            )
        log_in(user)
        flash(_("Welcome, %(name)s! Your account is ready.", name=user.name), "success")
        return redirect(url_for("main.home"))
    return form_page("auth/accept_invitation.html", form, form_status(form), invitation=invitation)
