"""Helpers of tests/browser/test_accessibility.py: run axe-core on a page and keep its violations; what has
keyboard focus; what sticks out of a narrow viewport."""

from __future__ import annotations

from urllib.parse import urlsplit

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary || ""})),
  }));
}"""


class Auditor:
    """Runs axe on pages and keeps every violation, so that one run reports all failing pages at once."""

    def __init__(self, page, axe_source: str):
        self.page = page
        self.axe_source = axe_source
        self.failures: list[str] = []
        self.audited: list[str] = []

    def visit(self, base_url: str, path: str, label: str | None = None) -> None:
        response = self.page.goto(base_url + path)
        assert response is not None and response.status < 500, f"{path}: HTTP {response and response.status}"
        self.check(label or path)

    def check(self, label: str) -> None:
        page = self.page
        page.wait_for_load_state("load")
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.add_script_tag(content=self.axe_source)
        violations = page.evaluate(RUN_AXE, WCAG_TAGS)
        self.audited.append(label)
        if violations:
            lines = [f"{label} ({urlsplit(page.url).path}):"]
            for v in violations:
                lines.append(f"  - {v['id']} [{v['impact']}]: {v['help']}")
                for node in v["nodes"][:8]:
                    summary = " ".join(node["summary"].split())[:300]
                    lines.append(f"      {node['target']}  -- {summary}")
                if len(v["nodes"]) > 8:
                    lines.append(f"      ... and {len(v['nodes']) - 8} more")
            self.failures.append("\n".join(lines))

    def assert_clean(self) -> None:
        assert self.audited, "no page audited"
        assert not self.failures, "WCAG 2.1 A/AA violations (axe-core):\n" + "\n".join(self.failures)


# Elements whose right edge is past the viewport, outside data tables (which WCAG 1.4.10 lets scroll).
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > width + 1 && !el.closest("table")) {
      out.push(`${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} (right edge ${Math.round(box.right)}px)`);
    }
  }
  return out;
}"""


def focus_state(page) -> dict:
    """The focused element's id and tag, whether it is in the registration form, and whether it shows an outline
    or a box-shadow (the app's focus ring is both)."""
    return page.evaluate(
        """() => {
      const el = document.activeElement;
      const style = getComputedStyle(el);
      return {id: el.id, tag: el.tagName.toLowerCase(),
              inForm: !!el.closest("form.registration-form"),
              outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
              shadow: style.boxShadow !== "none"};
    }"""
    )
