"""French company numbers: the SIREN of a business (9 digits) and the SIRET of one of its
establishments (14 digits: the SIREN and 5 more).

python-stdnum checks them: the Luhn key of both, and La Poste's establishments, whose SIRET
follow another rule. A number of zeros only passes the Luhn test but is the placeholder of a
hub not configured yet: it counts as missing.
"""

from flask import current_app
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret

from market.errors import DomainError


class MissingSiren(DomainError):
    status = 409


def checked(module, text: str | None) -> str | None:
    """The number in its compact form, or None when it is invalid or a placeholder."""
    try:
        number = module.validate(text or "")
    except ValidationError:
        return None
    return None if set(number) == {"0"} else number


def valid_siren(text: str | None) -> str | None:
    return checked(siren, text)


def valid_siret(text: str | None) -> str | None:
    return checked(siret, text)


def hub_siren() -> str:
    """The hub's SIREN, or a refusal that says how to set it."""
    number = valid_siren(current_app.config["HUB_SIREN"])
    if number is None:
        raise MissingSiren(
            _l(
                "The hub's SIREN is missing or invalid, and the FEC is named after it: set "
                "MARKET_HUB_SIREN to the 9 digits of the hub's INSEE notice, then restart."
            )
        )
    return number
