// Loaded by the first page after signing out (auth/views.py logout): drops what the check-in pages kept for
// offline use in this browser (rosters with names, tickets and needs): the service worker's caches and the
// page's IndexedDB. The logout response's Clear-Site-Data header asks the browser for the same; this covers
// browsers that ignore it. Marks <html data-checkin-data-dropped="1"> when done.
async function tellServiceWorkers() {
  if (!("serviceWorker" in navigator)) return;
  const registrations = await navigator.serviceWorker.getRegistrations();
  await Promise.all(
    registrations.map((registration) => {
      const worker = registration.active || registration.waiting || registration.installing;
      if (!worker) return null;
      return new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve();
        worker.postMessage({ type: "sign-out" }, [channel.port2]);
        setTimeout(resolve, 5000);
      });
    }),
  );
}

async function dropCheckinData() {
  await tellServiceWorkers().catch(() => null);
  if ("caches" in window) {
    const names = (await caches.keys()).filter((name) => name.startsWith("csi-checkin-"));
    await Promise.all(names.map((name) => caches.delete(name)));
  }
  if ("indexedDB" in window) {
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase("csi-checkin");
      request.onsuccess = request.onerror = request.onblocked = () => resolve();
    });
  }
}

dropCheckinData()
  .catch((err) => console.warn("sign-out: could not drop the check-in data", err))
  .finally(() => {
    document.documentElement.dataset.checkinDataDropped = "1";
  });
