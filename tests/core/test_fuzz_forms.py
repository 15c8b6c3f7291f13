"""Every form of every role, filled with generated and hostile values: never a 5xx, and a
refused request changes nothing.

Each role's client walks the site from the pages of the access matrix and the links it
finds, and reads every form it is shown (its fields, their defaults and choices). Hypothesis
then fills each form as a person would, but for one or two fields that get a hostile value
(Unicode digits, numbers of 5,000 digits, ids beyond the database's range, dates in year 1,
NaN, over-long text, control characters…), generated text, or nothing, and sends it. CSRF
is off in the test configuration, as in the rest of the suite. After each answer the
database is compared with its state before: a 4xx must have left it as it was. Bounded to a
few seconds per role.
"""

import hashlib
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from market.extensions import db as _db
from market.orders import services as orders
from market.timeutil import utcnow
from tests import factories
from tests.access_matrix import MATRIX, ROLES
from tests.conftest import logged_in_client
from tests.exports.conftest import closed_cycle  # noqa: F401 - fixture
from tests.orders.conftest import market, open_cycle  # noqa: F401 - fixtures

HOSTILE = [
    "",
    " ",
    "   ",
    "0",
    "-1",
    "1",
    "²",
    "٣",
    "１２",
    "⑦",
    "9" * 5000,
    "2147483648",
    "99999999999999999999",
    "-2147483649",
    "1e308",
    "sNaN",
    "NaN",
    "-Infinity",
    "0x10",
    "21474836,48",
    "99999999,99",
    "-0,01",
    "12,345",
    "0001-01-01",
    "9999-12-31",
    "0001-01-01T00:00",
    "9999-12-31T23:59",
    "2026-02-30",
    "25:99",
    "x" * 300,
    "é" * 5000,
    "\x00",
    "a\x01b",
    "\x7f",
    "\ufffe",
    '=HYPERLINK("http://evil.example","x")',
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "//evil.example/",
    "javascript:alert(1)",
    "\u202e",
    "🥕" * 50,
    "y",
    "on",
    "true",
]
# Tables a refusal may change by design: a failed log-in is counted.
CHANGING_ON_REFUSAL = {"login_attempts", "login_throttles"}
SKIPPED_ACTIONS = ("/logout", "/account/log-out-everywhere", "/payments/webhook")
DOWNLOAD = re.compile(r"\.(csv|xlsx|pdf|zip|jpg|txt)(\?|$)")
PAGES_PER_ROLE = 70
EXAMPLES = 8


@dataclass
class Form:
    method: str
    action: str
    fields: dict = field(default_factory=dict)  # name → list of known values
    files: set = field(default_factory=set)

    @property
    def key(self):
        return (
            self.method,
            re.sub(r"\d+", "N", self.action),
            tuple(sorted(self.fields)),
            tuple(sorted(self.files)),
        )


class PageReader(HTMLParser):
    """The links and forms of one page."""

    def __init__(self, url: str):
        super().__init__()
        self.url, self.links, self.forms = url, [], []
        self.form: Form | None = None
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(urljoin(self.url, attrs["href"]))
        elif tag == "form":
            action = urljoin(self.url, attrs.get("action") or self.url)
            self.form = Form((attrs.get("method") or "get").lower(), action)
            self.forms.append(self.form)
        elif self.form is None or (not attrs.get("name") and tag != "option"):
            return
        elif tag == "input" and attrs.get("type") == "file":
            self.form.files.add(attrs["name"])
        elif tag == "input" and attrs.get("type") not in ("submit", "button", "reset"):
            self.form.fields.setdefault(attrs["name"], []).append(attrs.get("value") or "")
        elif tag in ("button",) and attrs.get("value") is not None:
            self.form.fields.setdefault(attrs["name"], []).append(attrs["value"])
        elif tag == "select":
            self.select = attrs["name"]
            self.form.fields.setdefault(self.select, [])
        elif tag == "option" and self.select:
            self.form.fields[self.select].append(attrs.get("value") or "")
        elif tag == "textarea":
            self.textarea = attrs["name"]
            self.form.fields.setdefault(self.textarea, [""])

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.form is not None and self.textarea and data.strip():
            self.form.fields[self.textarea] = [data]


def site_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost") or DOWNLOAD.search(parts.path):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_pages(app, role_index: int) -> list[str]:
    pages = ["/"]
    with app.test_request_context():
        for endpoint, (method, arguments, expected) in sorted(MATRIX.items()):
            if method == "GET" and not callable(arguments) and expected[role_index] == "ok":
                pages.append(url_for(endpoint, **arguments))
    return pages


def forms_of(client, app, role_index: int) -> list[Form]:
    """Every distinct form the role is shown, walking from the matrix's pages."""
    queue, seen, patterns, forms = start_pages(app, role_index), set(), {}, {}
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        pattern = re.sub(r"\d+", "N", path)
        if (
            path in seen
            or patterns.get(pattern, 0) >= 2
            or any(path.startswith(skip) for skip in SKIPPED_ACTIONS)
        ):
            continue
        seen.add(path)
        patterns[pattern] = patterns.get(pattern, 0) + 1
        response = client.get(path)
        assert response.status_code < 500, f"GET {path}: {response.status_code}"
        if response.mimetype != "text/html":
            continue
        reader = PageReader("http://localhost" + path)
        reader.feed(response.get_data(as_text=True))
        queue.extend(filter(None, map(site_path, reader.links)))
        for form in reader.forms:
            form.action = site_path(form.action) or ""
            if form.action and not form.action.startswith(SKIPPED_ACTIONS):
                forms.setdefault(form.key, form)
    return list(forms.values())


def snapshot() -> str:
    """Every row of every table (but those a refusal may change), as one digest."""
    digest = hashlib.sha256()
    for table in _db.metadata.sorted_tables:
        if table.name in CHANGING_ON_REFUSAL:
            continue
        rows = _db.session.execute(select(table)).all()
        digest.update(table.name.encode())
        digest.update(repr(sorted(map(repr, rows))).encode())
    _db.session.rollback()
    return digest.hexdigest()


# Values a person would type, by field name: with them a form gets past its own checks, so
# that the hostile value in one field reaches the services and the database behind it.
PLAUSIBLE = [
    (r"email", "fuzz@example.org"),
    (r"password|confirm|current", "une-phrase-assez-longue"),
    (r"phone", "06 12 34 56 78"),
    (r"postcode", "40440"),
    (r"siret", "732 829 320 00074"),
    (r"price|amount", "2,50"),
    (r"opens", "2026-12-10T18:00"),
    (r"closes", "2026-12-14T23:59"),
    (r"day", "2026-12-18"),
    (r"starts", "16:30"),
    (r"ends", "19:00"),
    (r"latitude|longitude", "43.5"),
    (r"capacity|position|cap|weight|quantity", "2"),
    (r".", "Un texte ordinaire"),
]


def plausible(name: str, known: list[str]):
    choices = [value for value in known if value]
    if choices:
        return st.sampled_from(choices)
    return st.just(next(value for pattern, value in PLAUSIBLE if re.search(pattern, name)))


def hostile():
    """A hostile value, generated text, or the field left out (None)."""
    return st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.none())


def a_file():
    return st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [
                b"PK\x03\x04broken",
                b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                b"\xff\xd8\xff\xe0garbage",
                "nom;unité;prix\r\n=1+1;pièce;²\r\n".encode(),
                b"\x00" * 100,
            ]
        ),
    )


@st.composite
def filled(draw, form: Form) -> tuple[dict, dict]:
    """One or two fields hostile, the others as a person would fill them."""
    names = sorted(form.fields)
    targets = draw(st.lists(st.sampled_from(names), max_size=2, unique=True)) if names else []
    values = {}
    for name in names:
        value = draw(hostile() if name in targets else plausible(name, form.fields[name]))
        if value is not None:
            values[name] = value
    files = {
        name: (
            io.BytesIO(draw(a_file())),
            draw(
                st.sampled_from(
                    ["photo.jpg", "catalogue.csv", "catalogue.xlsx", "x\x00.png", "é" * 300]
                )
            ),
        )
        for name in form.files
    }
    return values, files


@pytest.fixture
def world(db, closed_cycle, market):  # noqa: F811
    """What every page and form needs: an open cycle with offers, an order in it, a closed
    cycle with orders for the pickup screens, a pending producer, every role."""
    cycle = market["cycle"]
    factories.ProducerFactory(status="pending", name="Ferme en attente")
    users = {
        "household": market["household"],
        "producer": factories.ProducerUserFactory(producer=market["carrots"].product.producer),
        "coordinator": factories.UserFactory(role="coordinator"),
        "admin": factories.UserFactory(role="admin"),
    }
    orders.place(
        market["household"],
        cycle,
        utcnow(),
        pickup_id=market["pickup"].id,
        payment="pickup",
        items={market["carrots"].id: 1},
    )
    factories.CartItemFactory(household_id=market["household"].household_id, offer=market["cheese"])
    assert closed_cycle["cycle"].closes_at < utcnow()
    db.session.commit()
    return users


def send(client, form: Form, values: dict, files: dict):
    if form.method == "get":
        return client.get(form.action.split("?")[0], query_string=values)
    return client.post(form.action, data={**values, **files}, content_type="multipart/form-data")


@pytest.mark.parametrize("role", ROLES)
def test_no_form_answers_5xx_or_changes_data_when_refused(app, world, role):
    client = app.test_client() if role == "anonymous" else logged_in_client(app, world[role])
    forms = forms_of(client, app, ROLES.index(role))
    assert forms, "no form found"
    failures = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def send_every_form(data):
        before = snapshot()
        for form in forms:
            values, files = data.draw(filled(form), label=form.action)
            try:
                response = send(client, form, values, files)
            except Exception as error:  # the test configuration propagates errors
                failures.append(f"{form.method} {form.action} {values!r}: {error!r}")
                _db.session.rollback()
                continue
            after = snapshot()
            if response.status_code >= 500:
                failures.append(f"{form.method} {form.action} {values!r}: {response.status_code}")
            elif response.status_code >= 400 and after != before:
                failures.append(
                    f"{form.method} {form.action} {values!r}: refused "
                    f"({response.status_code}) but the data changed"
                )
            before = after

    send_every_form()
    assert failures == []


def test_the_fuzzer_reads_every_kind_of_field():
    reader = PageReader("http://localhost/x")
    reader.feed(
        '<form method="post" action="/y"><input name="a" value="1">'
        '<input type="radio" name="r" value="p"><input type="radio" name="r" value="q">'
        '<select name="s"><option value="7">x</option></select>'
        '<textarea name="t">hello</textarea><input type="file" name="f">'
        '<button type="submit" name="action" value="go">Go</button></form>'
    )
    [form] = reader.forms
    assert form.fields == {
        "a": ["1"],
        "r": ["p", "q"],
        "s": ["7"],
        "t": ["hello"],
        "action": ["go"],
    }
    assert form.files == {"f"}
