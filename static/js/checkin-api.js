// The check-in page's calls to the server: JSON with the page's CSRF token, renewed once when it is stale.
// A lost network or a server error (5xx) throws NetworkError: the caller answers from this device instead.
import { M, root } from "./checkin-page.js";

export class NetworkError extends Error {}

const csrfMeta = document.querySelector('meta[name="csrf-token"]');

async function refreshCsrf() {
  const response = await fetch(root.dataset.csrfUrl, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(`csrf ${response.status}`);
  const body = await response.json();
  csrfMeta.content = body.csrf_token;
}

export async function api(url, { method = "GET", body } = {}, retry = true) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfMeta.content },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (err) {
    throw new NetworkError(String(err));
  }
  if (response.status === 403 && retry && method !== "GET") {
    // The token may be stale (page served from the offline cache, or a new sign-in): renew it once.
    try {
      await refreshCsrf();
    } catch (err) {
      return { status: 403, body: null };
    }
    return api(url, { method, body }, false);
  }
  if (response.status >= 500) throw new NetworkError(`server ${response.status}`);
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  return { status: response.status, body: data };
}

// The server's own words for a refused call, else "Error (<status>)".
export function errorMessage(response) {
  return (response.body && response.body.error && response.body.error.message) || `${M.status.error} (${response.status})`;
}
