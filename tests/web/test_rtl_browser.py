"""Names typed in Arabic or Hebrew stay islands in the page's English sentences, in chromium."""

from __future__ import annotations

from itertools import pairwise

from tests.web.browser import BROWSER_MARKS, sign_in

pytestmark = BROWSER_MARKS

NAME, TITLE, COMPANY = "سارة علي", "مديرة مالية", "شركة النور"

# Where each fragment of the element's text is drawn, from its left edge to its right.
BOXES = """([selector, fragments]) => {
  const boxes = {};
  const walker = document.createTreeWalker(document.querySelector(selector), NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    for (const fragment of fragments) {
      const at = node.data.indexOf(fragment);
      if (at < 0 || fragment in boxes) continue;
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + fragment.length);
      const box = range.getBoundingClientRect();
      boxes[fragment] = [box.left, box.right];
    }
  }
  return boxes;
}"""


def left_to_right(page, selector: str, *fragments: str) -> None:
    boxes = page.evaluate(BOXES, [selector, list(fragments)])
    assert set(boxes) == set(fragments), boxes
    for before, after in pairwise(fragments):
        assert boxes[before][1] <= boxes[after][0] + 1, (before, after, boxes)


def test_an_arabic_name_title_and_company_keep_the_sentences_order(page, planner):
    url, audience = planner["url"], planner["audience"]
    sign_in(page, url)
    page.goto(url + "/contacts/new")
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Audience").select_option(label=audience["name"])
    page.get_by_label("Job title").fill(TITLE)
    page.get_by_label("Company").fill(COMPANY)
    page.get_by_role("button", name="Add contact").click()

    # The flash crossed the redirect in the session cookie with its isolation kept.
    notice = page.locator(".flash p", has_text="Saved")
    notice.wait_for()
    assert notice.locator("bdi").all_inner_texts() == [NAME]
    left_to_right(page, ".flash p", "Saved", NAME, ".")

    # "Title, Company": one RTL run would draw the company first, on the left.
    heading = page.get_by_role("heading", level=1)
    assert heading.locator("bdi").all_inner_texts() == [NAME, TITLE, COMPANY]
    left_to_right(page, "h1 .sub", TITLE, ",", COMPANY)

    first = NAME.split()[0]
    gave = page.locator("p", has_text="What you gave")
    assert gave.locator("bdi").all_inner_texts() == [first]
    left_to_right(page, "#touches-heading + p", "What you gave", first, ": each one earns")
