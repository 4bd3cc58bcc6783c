"""The check-in page's offline data (rosters with names, tickets and needs) leaves the browser: everything on
sign-out, and a roster whose check-in window has ended whenever the service worker looks (issue 12)."""

from __future__ import annotations

import pytest

from tests.browser.test_checkin_browser import _open_page, door  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith("csi-checkin-")) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) urls.push(new URL(request.url).pathname);
  }
  return urls;
}"""

STORED_ROSTERS = """async () => {
  const names = (await indexedDB.databases()).map((d) => d.name);
  if (!names.includes("csi-checkin")) return null;
  return await new Promise((resolve, reject) => {
    const open = indexedDB.open("csi-checkin");
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction("rosters").objectStore("rosters").getAllKeys();
      get.onsuccess = () => { db.close(); resolve(get.result); };
      get.onerror = () => reject(get.error);
    };
    open.onerror = () => reject(open.error);
  });
}"""

PLANT_EXPIRED = """async (sessionId) => {
  const ended = { session: { id: sessionId, checkin_closes_at: "2020-01-01T00:00:00+00:00" }, items: [
    { name: "Old Person", ticket: "old-ticket" } ] };
  const name = (await caches.keys()).find((n) => n.startsWith("csi-checkin-"));
  const cache = await caches.open(name);
  await cache.put(`/api/v1/sessions/${sessionId}/roster`, new Response(JSON.stringify(ended),
    { headers: { "Content-Type": "application/json" } }));
  await cache.put(`/staff/checkin/sessions/${sessionId}`, new Response("<p>old page</p>",
    { headers: { "Content-Type": "text/html" } }));
  await new Promise((resolve, reject) => {
    const open = indexedDB.open("csi-checkin");
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction("rosters", "readwrite");
      tx.objectStore("rosters").put({ session_id: sessionId, ...ended });
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => reject(tx.error);
    };
    open.onerror = () => reject(open.error);
  });
}"""


def _roster_path(door) -> str:  # noqa: F811
    return f"/api/v1/sessions/{door['session_id']}/roster"


def test_sign_out_empties_the_caches_and_the_stored_rosters(launch, live_server, door):  # noqa: F811
    context, page = _open_page(launch(), live_server, door)
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    assert _roster_path(door) in page.evaluate(CACHED_URLS)
    assert page.evaluate(STORED_ROSTERS) == [door["session_id"]]
    page.click(".site-header form[action$='/auth/logout'] button")
    page.wait_for_selector("html[data-checkin-data-dropped='1']", state="attached")
    assert page.evaluate(CACHED_URLS) == []
    assert page.evaluate("async () => (await caches.keys()).filter((n) => n.startsWith('csi-checkin-'))") == []
    assert page.evaluate(STORED_ROSTERS) is None  # the database is gone
    context.close()


def test_a_roster_whose_window_ended_is_removed(launch, live_server, door):  # noqa: F811
    context, page = _open_page(launch(), live_server, door)
    page.wait_for_selector("html[data-offline-ready='1']", state="attached")
    ended = 987654
    page.evaluate(PLANT_EXPIRED, ended)
    assert f"/api/v1/sessions/{ended}/roster" in page.evaluate(CACHED_URLS)
    assert sorted(page.evaluate(STORED_ROSTERS)) == sorted([door["session_id"], ended])
    page.reload()  # a check-in page fetched: the worker looks at every roster's window
    page.wait_for_selector("#checkin[data-ready='1']")
    page.wait_for_function(
        f"""async () => {{
          const urls = await ({CACHED_URLS})();
          return !urls.includes("/api/v1/sessions/{ended}/roster") && !urls.includes("/staff/checkin/sessions/{ended}");
        }}"""
    )
    page.wait_for_function(f"async () => !((await ({STORED_ROSTERS})()) || []).includes({ended})")
    urls = page.evaluate(CACHED_URLS)
    assert _roster_path(door) in urls  # the open session's roster stays
    assert page.evaluate(STORED_ROSTERS) == [door["session_id"]]
    context.close()
