import pytest


@pytest.fixture(autouse=True)
def catalogue_folders(app, tmp_path):
    """Photos and pending imports go to the test's own folder."""
    app.config["CATALOG_PHOTO_DIRECTORY"] = str(tmp_path / "photos")
    app.config["CATALOG_IMPORT_DIRECTORY"] = str(tmp_path / "imports")
    return tmp_path
