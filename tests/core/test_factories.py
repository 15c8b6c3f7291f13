"""Every model has a factory, and each builds a valid row."""

import factory
import pytest

from market.extensions import db
from tests import factories


def model_factories():
    return {
        value._meta.model: value
        for value in vars(factories).values()
        if isinstance(value, type)
        and issubclass(value, factory.Factory)
        and not value._meta.abstract
    }


def test_every_model_has_a_factory():
    models = {mapper.class_ for mapper in db.Model.registry.mappers}
    missing = sorted(model.__name__ for model in models - model_factories().keys())
    assert missing == []


@pytest.mark.parametrize(
    "model_factory",
    sorted(model_factories().values(), key=lambda f: f.__name__),
    ids=lambda f: f.__name__,
)
def test_each_factory_builds_a_row_the_database_accepts(db, model_factory):
    row = model_factory()
    db.session.commit()
    assert db.inspect(row).identity is not None
