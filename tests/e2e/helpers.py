"""Steps the browser journeys share."""

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.factories import PASSWORD


def log_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Se déconnecter").click()


def confirm_address(page, db) -> None:
    """Open the link the sign-up emailed, and confirm, as the newcomer does from their inbox."""
    from tests.helpers import signup_link

    db.session.expire_all()
    expect(page.get_by_role("heading", name="Vérifiez votre boîte de réception")).to_be_visible()
    page.goto(signup_link(db))
    page.get_by_role("button", name="Confirmer et ouvrir mon compte").click()


WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A or AA violation on the page as it is now."""
    axe = Axe()
    # axe-core is sent to the page once per document: checking the same page again at
    # another size does not send its half megabyte a second time.
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(axe.axe_script)
    results = AxeResults(page.evaluate("options => axe.run(options)", WCAG_21_AA))
    assert results.violations_count == 0, (
        f"{page.url} at {page.viewport_size}\n{results.generate_report()}"
    )


def assert_accessible_on_both_screens(page) -> None:
    """The page as it is now, at a phone's 390×844 and a laptop's 1366×900; the page is left
    at the phone's size."""
    page.set_viewport_size(PHONE)
    assert_accessible(page)
    page.set_viewport_size(DESKTOP)
    assert_accessible(page)
    page.set_viewport_size(PHONE)


# The forms of the page's main content a person fills in (a form with a field to fill), as
# [index, signature]: the signature (action without its ids, names of the fields) tells two
# forms of the same kind apart from two different ones (the shop's add buttons are one kind).
FORMS_TO_FILL = """() => Array.from(document.querySelectorAll("main form")).map((form, index) => {
  const fields = Array.from(form.elements).filter(
    (field) => ["INPUT", "SELECT", "TEXTAREA"].includes(field.tagName)
      && !["hidden", "submit", "button", "reset", "image"].includes(field.type));
  const action = (form.getAttribute("action") || location.pathname).replace(/[0-9]+/g, "#");
  const method = (form.getAttribute("method") || "get").toLowerCase();
  const names = fields.map((field) => field.name);
  return [index, fields.length ? [method, action, ...names].join(" ") : ""];
}).filter(([, signature]) => signature)"""

# The form in sight, every field of it emptied (boxes unticked, no option chosen) and the
# browser's own checks off, so that the server answers what a wrong submission gets.
EMPTY_THE_FORM = """(index) => {
  const form = document.querySelectorAll("main form")[index];
  form.noValidate = true;
  for (let fold = form.closest("details"); fold; fold = fold.parentElement.closest("details")) {
    fold.open = true;  // as the person does, who unfolds the section to reach the form
  }
  for (const field of form.elements) {
    if (["hidden", "submit", "button", "reset", "image", "file"].includes(field.type)) continue;
    if (field.type === "checkbox" || field.type === "radio") field.checked = false;
    else if (field.tagName === "SELECT") field.selectedIndex = -1;
    else field.value = "";
  }
  return form.matches(".add-form");
}"""


def assert_error_states_accessible(page, path: str, seen: set[str]) -> int:
    """Each form of the page shown, found at `path`, not met before (`seen` holds the kinds
    met), sent empty: the answer, with its errors, has no violation at either size. Returns
    how many forms were sent."""
    forms = [form for form in page.evaluate(FORMS_TO_FILL) if form[1] not in seen]
    for number, (index, signature) in enumerate(forms):
        seen.add(signature)
        if number:
            page.goto(path)
        form = page.locator("main form").nth(index)
        in_place = page.evaluate(EMPTY_THE_FORM, index)
        button = form.locator("button[type=submit], button:not([type]), input[type=submit]")
        if in_place:  # the shop's add: answered in the cart bar, or sent to log in
            with page.expect_response(lambda response: response.request.method == "POST") as sent:
                button.first.click()
            location = sent.value.json().get("location")
            if location:
                page.wait_for_url(f"**{location}")
            else:
                page.locator("#cart-status .flash").wait_for()
        else:
            with page.expect_navigation():
                if button.count():
                    button.first.click()
                else:
                    form.evaluate("form => form.requestSubmit()")
        assert_accessible_on_both_screens(page)
    return len(forms)
