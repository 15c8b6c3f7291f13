"""The served pages run under the production policy: inline code is blocked, and the
browser tests' page fixture fails on the violation it reports."""

from tests.e2e.conftest import page_problem

INJECT = """() => {
  const script = document.createElement("script");
  script.textContent = "window.injected = true";
  document.body.append(script);
  const style = document.createElement("style");
  style.textContent = "body { display: none }";
  document.head.append(style);
}"""


def test_inline_code_is_blocked_and_counts_as_a_problem(browser, live_server):
    context = browser.new_context(base_url=live_server, locale="fr-FR")
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(page_problem(message)))
    page.goto("/")
    page.evaluate(INJECT)
    page.wait_for_timeout(200)
    ran = page.evaluate("() => window.injected === true")
    hidden = page.evaluate("() => getComputedStyle(document.body).display === 'none'")
    context.close()
    assert not ran and not hidden
    violations = [
        problem for problem in problems if problem and "Content Security Policy" in problem
    ]
    assert len(violations) == 2
