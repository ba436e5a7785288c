"""The console in a real browser (headless Chromium driven by Playwright).

Usage: python3 scenarios.py BASE_URL CHROMIUM_PATH FIXTURES_DIR SCREENSHOT_DIR SLOW_URL SECURED_URL
(SECURED_URL: a server that needs the token `console-token`)
Prints one JSON object: the measurements. Exits non-zero on the first failed scenario.
"""

import json
import sys
import time
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

BASE, CHROMIUM, FIXTURES, SHOTS, SLOW_URL, SECURED = sys.argv[1:7]
SHOTS = Path(SHOTS)
SHOTS.mkdir(parents=True, exist_ok=True)
SECRET_VALUE = "sk-console-test-9f3a1c"
measured = {}


def shot(page, name):
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def import_fixture(page, name):
    page.goto(f"{BASE}/#/workflows")
    page.set_input_files("#import-file", str(Path(FIXTURES) / name))
    page.wait_for_url("**/#/workflows/*")
    expect(page.locator(".graph svg")).to_be_visible()


def create_workflow(page, workflow):
    response = page.request.post(f"{BASE}/api/workflows", data=workflow)
    assert response.ok, response.text()
    return response.json()["id"]


def run_and_complete(page):
    """Import, see the nodes drawn, fill the form, run: every node completes, outputs show."""
    import_fixture(page, "greeting.json")
    expect(page.locator(".graph g.node")).to_have_count(6)
    expect(page.locator(".graph path.edge")).to_have_count(4)
    page.get_by_label("name").fill("Ada")
    page.get_by_label("count").fill("39")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".job-status")).to_have_attribute("data-status", "completed")
    expect(page.locator('.graph g.node[data-status="completed"]')).to_have_count(6)
    expect(page.locator('dd[data-output="greeting"]')).to_have_text("Hello, Ada")
    expect(page.locator('dd[data-output="total"]')).to_have_text("42")
    shot(page, "run-completed")


def cancel_slow(page):
    """A graph that waits on a slow server: Cancel ends it as cancelled."""
    workflow = {"name": "Slow fetch", "graph": {"nodes": [
        {"id": "fetch", "type": "lib.http.GetRequest", "data": {"url": SLOW_URL}},
        {"id": "body", "type": "nodetool.output.Output", "data": {"name": "body"}}],
        "edges": [{"source": "fetch", "sourceHandle": "output", "target": "body", "targetHandle": "value"}]}}
    wid = create_workflow(page, workflow)
    page.goto(f"{BASE}/#/workflows/{wid}")
    page.get_by_role("button", name="Run").click()
    expect(page.locator('.graph g.node[data-node-id="fetch"]')).to_have_attribute("data-status", "running")
    shot(page, "slow-running")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator(".job-status")).to_have_attribute("data-status", "cancelled", timeout=15000)
    shot(page, "slow-cancelled")


def error_shown(page):
    """A failing node shows its error on the picture and the job line."""
    import_fixture(page, "failing.json")
    page.get_by_role("button", name="Run").click()
    node = page.locator('.graph g.node[data-node-id="divide"]')
    expect(node).to_have_attribute("data-status", "error")
    expect(node.locator("text.error")).to_contain_text("division by zero")
    expect(page.locator(".job-status")).to_contain_text("division by zero")
    shot(page, "node-error")


def secrets(page):
    """A secret is set and its value never appears again."""
    page.goto(f"{BASE}/#/secrets")
    row = page.locator('li[data-secret="SERPAPI_API_KEY"]')
    expect(row.locator(".badge")).to_have_text("not set")
    row.get_by_label("New value for SERPAPI_API_KEY").fill(SECRET_VALUE)
    row.get_by_role("button", name="Save").click()
    expect(row.locator(".badge")).to_have_text("set")
    page.reload()
    expect(page.locator('li[data-secret="SERPAPI_API_KEY"] .badge')).to_have_text("set")
    content = page.content()
    values = page.eval_on_selector_all("input", "els => els.map(e => e.value)")
    assert SECRET_VALUE not in content and SECRET_VALUE not in values, "the secret value is shown"
    shot(page, "secrets")


def nodes_and_jobs(page):
    """The node library searches; the jobs list shows the runs."""
    page.goto(f"{BASE}/#/nodes")
    page.get_by_label("Search nodes").fill("lib.math.Add")
    item = page.locator("details.node-meta", has_text="lib.math.Add").first
    item.locator("summary").click()
    expect(item).to_contain_text("Inputs")
    shot(page, "nodes")
    page.goto(f"{BASE}/#/jobs")
    expect(page.locator("table tbody tr").first).to_be_visible()
    expect(page.locator("table")).to_contain_text("completed")
    shot(page, "jobs")


def sign_in(page):
    """On a server that needs a token: the login field, a wrong token refused, the right one in."""
    page.goto(f"{SECURED}/#/workflows")
    expect(page.locator("#login")).to_be_visible()
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(page.locator("main")).to_contain_text("Sign in")
    page.get_by_label("API token").fill("wrong-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login")).to_be_visible()
    page.get_by_label("API token").fill("console-token")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#login")).to_be_hidden()
    expect(page.get_by_role("list", name="Workflows")).to_contain_text("No workflows yet")
    shot(page, "signed-in")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator("#login")).to_be_visible()


def big_graph_paint(page):
    """First paint of a 100-node chain's page: navigation start to the picture drawn."""
    nodes = [{"id": "n0", "type": "nodetool.constant.Integer", "data": {"value": 1}}]
    edges = []
    for i in range(1, 100):
        nodes.append({"id": f"n{i}", "type": "lib.math.Add", "data": {"b": 1}})
        edges.append({"source": f"n{i-1}", "sourceHandle": "output", "target": f"n{i}", "targetHandle": "a"})
    wid = create_workflow(page, {"name": "Chain of 100", "graph": {"nodes": nodes, "edges": edges}})
    timings = []
    for _ in range(5):
        page.goto("about:blank")
        page.goto(f"{BASE}/#/workflows/{wid}")
        expect(page.locator(".graph g.node")).to_have_count(100)
        timings.append(page.evaluate("performance.now()"))
        measured["graph_draw_ms"] = page.evaluate("window.__consoleGraphMs")
    timings.sort()
    measured["paint_100_nodes_ms_median"] = round(timings[len(timings) // 2], 1)
    shot(page, "chain-100")


def main():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.set_default_timeout(10000)
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for scenario in (run_and_complete, cancel_slow, error_shown, secrets, nodes_and_jobs, sign_in, big_graph_paint):
            started = time.time()
            try:
                scenario(page)
            except Exception:
                shot(page, f"FAILED-{scenario.__name__}")
                print(f"scenario {scenario.__name__} failed", file=sys.stderr)
                raise
            measured[f"{scenario.__name__}_s"] = round(time.time() - started, 2)
        assert not errors, f"JavaScript errors: {errors}"
        browser.close()
    print(json.dumps(measured))


if __name__ == "__main__":
    main()
