// Service worker of the check-in pages (served by Flask at /staff/checkin/sw.js, which prepends
// CACHE_VERSION and OFFLINE_ASSETS). Network first, the cache when there is no network: the page,
// its scripts and styles, and the session's roster stay usable offline. POSTs are never cached.
// Rosters hold names, tickets and needs: a roster whose check-in window has ended (its JSON carries
// session.checkin_closes_at) is deleted, with its session's page, when the worker activates and whenever a
// check-in page or roster is fetched, from this cache and from the page's IndexedDB (checkin-store.js).
// Signing out drops everything (a "sign-out" message from the signed-out page, and the logout response's
// Clear-Site-Data header).
const CACHE = `csi-checkin-${CACHE_VERSION}`;
const CACHE_PREFIX = "csi-checkin-";
const DB_NAME = "csi-checkin"; // the page's IndexedDB (static/js/checkin-store.js)
const ROSTER_PATH = /^\/api\/v1\/sessions\/(\d+)\/roster$/;
const PAGE_PATH = /^\/staff\/checkin\/sessions\/(\d+)(\/|$)/;

function settle(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

// The page's database when it exists; never creates it (an empty one would lack the page's stores).
function openExistingDatabase() {
  return new Promise((resolve) => {
    const request = indexedDB.open(DB_NAME);
    request.onupgradeneeded = () => request.transaction.abort();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
    request.onblocked = () => resolve(null);
  });
}

function windowEnded(roster, now) {
  const closes = Date.parse(((roster || {}).session || {}).checkin_closes_at || "");
  return !(closes > now); // no readable end: treated as ended
}

async function dropExpiredFromDatabase(now, expired) {
  const database = await openExistingDatabase();
  if (!database) return;
  try {
    if (!database.objectStoreNames.contains("rosters")) return;
    const rosters = await settle(database.transaction("rosters").objectStore("rosters").getAll());
    const old = rosters.filter((roster) => windowEnded(roster, now)).map((roster) => roster.session_id);
    if (!old.length) return;
    const tx = database.transaction("rosters", "readwrite");
    for (const sessionId of old) {
      tx.objectStore("rosters").delete(sessionId);
      expired.add(String(sessionId));
    }
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
  } finally {
    database.close();
  }
}

async function dropExpiredRosters(now = Date.now()) {
  const expired = new Set();
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const match = ROSTER_PATH.exec(new URL(request.url).pathname);
      if (!match) continue;
      const response = await cache.match(request);
      const roster = response ? await response.json().catch(() => null) : null;
      if (windowEnded(roster, now)) {
        await cache.delete(request);
        expired.add(match[1]);
      }
    }
  }
  await dropExpiredFromDatabase(now, expired).catch(() => null);
  if (!expired.size) return;
  for (const name of await caches.keys()) {
    if (!name.startsWith(CACHE_PREFIX)) continue;
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const match = PAGE_PATH.exec(new URL(request.url).pathname);
      if (match && expired.has(match[1])) await cache.delete(request);
    }
  }
}

async function dropEverything() {
  const names = (await caches.keys()).filter((name) => name.startsWith(CACHE_PREFIX));
  await Promise.all(names.map((name) => caches.delete(name)));
  await new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(OFFLINE_ASSETS))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith(CACHE_PREFIX) && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => dropExpiredRosters())
      .catch(() => null)
      .then(() => self.clients.claim()),
  );
});

// The page asks for its own URL and its roster to be kept (it was loaded before this worker controlled it).
self.addEventListener("message", (event) => {
  const data = event.data || {};
  const reply = (type) => event.ports[0] && event.ports[0].postMessage({ type });
  if (data.type === "sign-out") {
    event.waitUntil(dropEverything().catch(() => null).then(() => reply("dropped")));
    return;
  }
  if (data.type === "drop-expired") {
    event.waitUntil(dropExpiredRosters().catch(() => null).then(() => reply("checked")));
    return;
  }
  if (data.type !== "cache-urls") return;
  const done = caches
    .open(CACHE)
    .then((cache) =>
      Promise.all(
        (data.urls || []).map((url) =>
          fetch(url, { credentials: "same-origin" }).then((response) => (response.ok ? cache.put(url, response) : null)),
        ),
      ),
    )
    .then(() => dropExpiredRosters())
    .catch(() => null)
    .then(() => reply("cached"));
  event.waitUntil(done);
});

function cacheable(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (request.mode === "navigate") return url.pathname.startsWith("/staff/checkin/sessions/");
  return OFFLINE_ASSETS.includes(url.pathname) || ROSTER_PATH.test(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!cacheable(request)) return;
  const checked = OFFLINE_ASSETS.includes(new URL(request.url).pathname) ? Promise.resolve() : dropExpiredRosters().catch(() => null);
  event.waitUntil(checked);
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok && !response.redirected) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(() =>
        checked // an ended window's roster and page are gone before the cache answers
          .then(() => caches.open(CACHE))
          .then((cache) => cache.match(request, { ignoreSearch: true }))
          .then((hit) => hit || Response.error()),
      ),
  );
});
