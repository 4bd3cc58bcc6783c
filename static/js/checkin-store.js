// IndexedDB for the check-in page: the session's roster (to answer offline) and the queue of scans
// not yet confirmed by the server (kept across reloads until the server has answered them).
const DB_NAME = "csi-checkin";
const DB_VERSION = 1;

function open() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      if (!db.objectStoreNames.contains("rosters")) db.createObjectStore("rosters", { keyPath: "session_id" });
      if (!db.objectStoreNames.contains("queue")) {
        const queue = db.createObjectStore("queue", { keyPath: "nonce" });
        queue.createIndex("session_id", "session_id");
      }
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let dbPromise = null;
function db() {
  if (!dbPromise) dbPromise = open();
  return dbPromise;
}

async function run(storeName, mode, action) {
  const database = await db();
  return new Promise((resolve, reject) => {
    const tx = database.transaction(storeName, mode);
    const store = tx.objectStore(storeName);
    let result;
    const request = action(store);
    if (request) request.onsuccess = () => { result = request.result; };
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

export function saveRoster(sessionId, roster) {
  return run("rosters", "readwrite", (s) => s.put({ session_id: sessionId, saved_at: new Date().toISOString(), ...roster }));
}

export function loadRoster(sessionId) {
  return run("rosters", "readonly", (s) => s.get(sessionId));
}

export function enqueue(item) {
  return run("queue", "readwrite", (s) => s.put(item));
}

export function dequeue(nonce) {
  return run("queue", "readwrite", (s) => s.delete(nonce));
}

export async function queued(sessionId) {
  const items = await run("queue", "readonly", (s) => s.index("session_id").getAll(sessionId));
  return (items || []).sort((a, b) => (a.scanned_at < b.scanned_at ? -1 : 1));
}
