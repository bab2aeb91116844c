"""A course's own test of the homework's question 1.3.8, driven through symcheck's page.

It opens the page of `symcheck trace backprop` in headless Chromium (Playwright,
with Debian's chromium), steps with the arrow keys, and reads the DOM contract:
the stepper's data-current-step and each node's data-grad.
"""

from playwright.sync_api import sync_playwright

import symcheck


def test_z3_holds_only_z7_right_before_z4_backward(tmp_path):
    page_file = tmp_path / "trace.html"
    page_file.write_text(symcheck.trace("backprop").to_html(), encoding="utf-8")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        page.goto(page_file.as_uri())
        for _ in range(4):
            page.keyboard.press("ArrowRight")
        assert page.get_attribute("[data-current-step]", "data-current-step") == "5"
        z3 = float(page.get_attribute('g[data-node="z3"]', "data-grad"))
        assert abs(z3 - 2.426794) < 1e-6  # z7: z8's contribution only; z4's arrives at step 5
        page.keyboard.press("ArrowRight")
        assert abs(float(page.get_attribute('g[data-node="z3"]', "data-grad")) - 1.955664) < 1e-6
        browser.close()
