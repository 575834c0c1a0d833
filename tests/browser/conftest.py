"""Real-browser tests: Playwright driving Debian's Chromium, launched by path.

scripts/test.sh installs Chromium when it is missing. Set ESCALATE_CHROMIUM to use
another binary. Every page a journey reaches can be checked with axe-core
(`assert_accessible`), which also checks that it reflows (`assert_reflows`: no sideways
scrolling at 320 CSS pixels wide, WCAG 2.2 1.4.10), and `screenshot` writes pictures into
docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the
# test to set up data, must be allowed to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def chromium_path() -> str:
    configured = os.environ.get("ESCALATE_CHROMIUM")
    if configured:
        return configured
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail("Chromium is not installed: run scripts/test.sh, which installs it.")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test if the Content-Security-Policy blocked anything on it:
    every journey also checks that no page needs inline script or style."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    blocked: list[str] = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    yield page
    context.close()
    assert not blocked, f"the Content-Security-Policy blocked: {blocked}"


#: WCAG 2.2 1.4.10 Reflow: content readable without scrolling in two directions at a
#: width of 320 CSS pixels (1280 px at 400% zoom).
REFLOW_WIDTH = 320

# What does not fit the window: the page's widths; the outermost elements that stick out
# on the left or right (fixed ones too: an overlay wider than the window hides what is
# beyond it, with no way to scroll there); and boxes that scroll (or cut off) sideways
# inside the page (not form fields, whose typing scrolls in them at any width). Each is
# named by tag, id and class; visually hidden ones are left out.
_OVERFLOW = """() => {
  const root = document.documentElement;
  const limit = root.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (typeof el.className === 'string' && el.className.trim()
      ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const found = [];
  const inside = (el) => found.some((outer) => outer.el.contains(el));
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1 || inside(el)) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden') continue;
    if (box.right > limit + 1 || box.left < -1) {
      const where = `${Math.round(box.left)} to ${Math.round(box.right)} px`;
      found.push({el, text: `${name(el)} (${where})`});
    } else if (style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1 &&
               !el.matches('input, textarea, select')) {
      found.push({el, text: `${name(el)} (${el.scrollWidth} px inside ${el.clientWidth} px)`});
    }
  }
  if (!found.length && root.scrollWidth > limit) {
    // Text running out of its box (a long word that does not wrap) moves no box: name
    // the innermost elements whose content runs past the window.
    for (const el of [...document.body.querySelectorAll('*')].reverse()) {
      const box = el.getBoundingClientRect();
      if (box.left + el.scrollWidth <= limit + 1 || found.some((f) => el.contains(f.el))) {
        continue;
      }
      const words = (el.textContent || '').trim().slice(0, 40);
      const end = Math.round(box.left + el.scrollWidth);
      found.push({el, text: `${name(el)} (its text runs to ${end} px: "${words}")`});
    }
  }
  return {scrollWidth: root.scrollWidth, clientWidth: limit,
          outside: found.slice(0, 8).map((f) => f.text)};
}"""


def reflow_problem(page: Page) -> str:
    """Why the page, at its current size, does not fit the window's width ("" when it
    does): it scrolls sideways, or something sticks out where no one can scroll to."""
    found = page.evaluate(_OVERFLOW)
    if found["scrollWidth"] <= found["clientWidth"] and not found["outside"]:
        return ""
    return (
        f"{found['scrollWidth']} px of content in a {found['clientWidth']} px window; "
        f"outside it: {', '.join(found['outside']) or 'nothing visible (check margins)'}"
    )


def assert_reflows(page: Page, name: str = "") -> None:
    """Fail if the page scrolls sideways at 320 CSS pixels wide. The window is narrowed
    for the check and put back afterwards, so a journey carries on as it was."""
    size = page.viewport_size
    if not size or size["width"] != REFLOW_WIDTH:
        page.set_viewport_size({"width": REFLOW_WIDTH, "height": size["height"] if size else 800})
    try:
        problem = reflow_problem(page)
    finally:
        if size and size["width"] != REFLOW_WIDTH:
            page.set_viewport_size(size)
    title = page.title()
    assert not problem, f"{name or title} ({page.url}) does not fit {REFLOW_WIDTH} px: {problem}"


def assert_accessible(page: Page) -> None:
    """Fail on any WCAG 2.0/2.1/2.2 A or AA violation axe-core finds on the page, on
    content outside the landmarks, or if it does not reflow at 320 px (1.4.10, which
    axe-core cannot check)."""
    assert_reflows(page)
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (a
    # script tag would be refused, as the policy allows no inline script).
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag', values:
        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa']}})"""
    )
    # And the landmark rules axe-core files under best practice: everything on the page
    # is in a landmark (the phase banner in the header, a back link in a navigation).
    landmarks = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'rule', values:
        ['region', 'landmark-one-main', 'landmark-unique', 'landmark-no-duplicate-main']}})"""
    )
    violations = [
        {
            "id": v["id"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in [*result["violations"], *landmarks["violations"]]
    ]
    assert not violations, f"{page.url}: {json.dumps(violations, indent=2)}"


def screenshot(page: Page, name: str) -> None:
    """Desktop and phone-width pictures of the current page for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-desktop.png"), full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-phone.png"), full_page=True)
    problem = reflow_problem(page)
    if size:
        page.set_viewport_size(size)
    assert not problem, f"{name} ({page.url}) does not fit a phone: {problem}"
    assert_reflows(page, name)
