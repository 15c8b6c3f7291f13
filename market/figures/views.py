"""The dashboard (coordinator), the producer's figures and the public observatory."""

from flask import render_template

from market.auth.decorators import role_required
from market.auth.models import Role
from market.figures import bp, dashboard
from market.timeutil import utcnow


@bp.route("/coordination")
@role_required(Role.COORDINATOR)
def coordinator_dashboard():
    """The coordinator's home page: the open cycle at a glance."""
    return render_template("figures/dashboard.html", board=dashboard.build(utcnow()))
