// Service worker of the check-in pages (served by Flask at /staff/checkin/sw.js, which prepends
// CACHE_VERSION and OFFLINE_ASSETS). Network first, the cache when there is no network: the page,
// its scripts and styles, and the session's roster stay usable offline. POSTs are never cached.
const CACHE = `csi-checkin-${CACHE_VERSION}`;

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
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("csi-checkin-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page asks for its own URL and its roster to be kept (it was loaded before this worker controlled it).
self.addEventListener("message", (event) => {
  const data = event.data || {};
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
    .catch(() => null)
    .then(() => event.ports[0] && event.ports[0].postMessage({ type: "cached" }));
  event.waitUntil(done);
});

function cacheable(request) {
  if (request.method !== "GET") return false;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return false;
  if (request.mode === "navigate") return url.pathname.startsWith("/staff/checkin/sessions/");
  return OFFLINE_ASSETS.includes(url.pathname) || /^\/api\/v1\/sessions\/\d+\/roster$/.test(url.pathname);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!cacheable(request)) return;
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
        caches.open(CACHE).then((cache) =>
          cache.match(request, { ignoreSearch: true }).then((hit) => hit || Response.error()),
        ),
      ),
  );
});
