/**
 * The peer's HTTP API as the page calls it (see docs/web_api.md): typed
 * reads and actions, uploads with progress, and the live event stream. The
 * access token rides in the cookie the address with `?token=` set, so no
 * call carries it.
 *
 * @module
 */

/**
 * @typedef {object} PeerState
 * @property {{ id: string, fingerprint: string | null, listen: string,
 *   reachable?: boolean | null, seenAs?: string | null }} peer
 * @property {{ address: string | null, connected: boolean, lan?: boolean }} server
 * @property {{ uploadLimit: number, uploadDir: string }} web
 */

/**
 * @typedef {object} NetworkFile
 * @property {string} id
 * @property {string} name
 * @property {number} size
 * @property {boolean} [folder]
 * @property {number} [fileCount]
 * @property {number} sources peers holding it, whole or in part
 * @property {boolean} [mine] true when this peer holds it (whole or downloading)
 */

/**
 * @typedef {object} SharedItem
 * @property {string} id
 * @property {string} name
 * @property {number} size
 * @property {string} [path]
 * @property {boolean} [folder]
 * @property {number} [fileCount]
 * @property {boolean} [complete] false while a download of it still runs
 */

/** @typedef {{ address: string, way: string }} Source */

/**
 * @typedef {object} Download
 * @property {number} id this peer's number for the download
 * @property {string} fileId the network file it fetches
 * @property {string} name
 * @property {number} size
 * @property {number} done bytes written so far
 * @property {number} rate bytes per second
 * @property {number | null} [eta] seconds left
 * @property {string} state `running`, `done`, `cancelled` or `failed`
 * @property {string} [phase] of a running one: `starting`, `running` or `waiting` (for sources)
 * @property {Source[]} sources
 * @property {string | null} [path]
 * @property {string} [error] why it failed, or what it waits for
 * @property {{ done: number, total: number }} [files] of a folder: its files whole so far
 */

/**
 * @typedef {object} Peer
 * @property {string} id
 * @property {string} address
 * @property {boolean | null} [reachable] false when the server could not dial it back
 * @property {number} [files]
 * @property {boolean} [self] true for this peer
 */

/** An API answer other than 2xx; `status` 401 means the token is missing or wrong. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** Reads the error text of a failed answer: its JSON `error`, else its body, else its status. */
async function failure(/** @type {Response} */ response) {
  const text = await response.text();
  let message = text || response.statusText || `HTTP ${response.status}`;
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === "string") message = body.error;
  } catch {
    // not JSON: the text itself says what went wrong
  }
  return new ApiError(response.status, message);
}

/**
 * Calls `path` with `init` and resolves to its JSON body (null for an empty
 * one); rejects with an {@linkcode ApiError} for any non-2xx answer.
 *
 * @param {string} path
 * @param {RequestInit & { json?: unknown }} [init]
 * @returns {Promise<any>}
 */
export async function call(path, init = {}) {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  headers.set("accept", "application/json");
  if (json !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(path, {
    ...rest,
    headers,
    credentials: "same-origin",
    ...(json === undefined ? {} : { body: JSON.stringify(json) }),
  });
  if (!response.ok) throw await failure(response);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

/** @returns {Promise<PeerState>} */
export function getState() {
  return call("/api/state");
}

/** @returns {Promise<NetworkFile[]>} the network's files whose names match `query` (all for "") */
export async function getFiles(/** @type {string} */ query) {
  const suffix = query ? `?q=${encodeURIComponent(query)}` : "";
  return (await call(`/api/files${suffix}`)).files;
}

/** @returns {Promise<SharedItem[]>} */
export async function getShared() {
  return (await call("/api/shared")).shared;
}

/** Shares `path`, a file or folder on the peer's own disk. */
export function share(/** @type {string} */ path) {
  return call("/api/shared", { method: "POST", json: { path } });
}

/** Stops sharing the item `id`. */
export function unshare(/** @type {string} */ id) {
  return call(`/api/shared/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** @returns {Promise<Download[]>} */
export async function getDownloads() {
  return (await call("/api/downloads")).downloads;
}

/** Has the peer download the network file `id` into its own folder. */
export function startDownload(/** @type {string} */ id) {
  return call("/api/downloads", { method: "POST", json: { id } });
}

/** Cancels the download `id` (what it wrote stays, to resume). */
export function cancelDownload(/** @type {number} */ id) {
  return call(`/api/downloads/${id}`, { method: "DELETE" });
}

/** Resumes the cancelled or failed download `id`. */
export function resumeDownload(/** @type {number} */ id) {
  return call(`/api/downloads/${id}/resume`, { method: "POST" });
}

/** @returns {Promise<Peer[]>} */
export async function getPeers() {
  return (await call("/api/peers")).peers;
}

/**
 * Sends `file` as the body of `POST /api/upload?name=…`, so the peer
 * shares it; `onProgress` gets the bytes sent so far. XMLHttpRequest, since
 * fetch reports no upload progress.
 *
 * @param {File} file
 * @param {(sent: number) => void} onProgress
 * @returns {Promise<SharedItem>}
 */
export function upload(file, onProgress) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", `/api/upload?name=${encodeURIComponent(file.name)}`);
    request.setRequestHeader("content-type", "application/octet-stream");
    request.upload.addEventListener("progress", (event) => onProgress(event.loaded));
    request.addEventListener("load", () => {
      if (request.status >= 200 && request.status < 300) {
        onProgress(file.size);
        resolve(request.responseText ? JSON.parse(request.responseText) : null);
        return;
      }
      let message = request.responseText || `HTTP ${request.status}`;
      try {
        message = JSON.parse(request.responseText).error ?? message;
      } catch {
        // not JSON: the text itself says what went wrong
      }
      reject(new ApiError(request.status, message));
    });
    request.addEventListener("error", () => reject(new ApiError(0, "the upload was cut off")));
    request.send(file);
  });
}

/**
 * Listens to `GET /api/events`; `onEvent` gets each event's name and its
 * parsed data (null when it carries none), `onOpen`/`onError` the stream's
 * state. The browser reconnects by itself. Returns the stream, to close.
 *
 * @param {string[]} names
 * @param {{ onEvent: (name: string, data: any) => void, onOpen: () => void,
 *   onError: () => void }} handlers
 */
export function listen(names, handlers) {
  const source = new EventSource("/api/events");
  for (const name of names) {
    source.addEventListener(name, (event) => {
      const text = /** @type {MessageEvent<string>} */ (event).data;
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch {
        data = null;
      }
      handlers.onEvent(name, data);
    });
  }
  source.addEventListener("open", handlers.onOpen);
  source.addEventListener("error", handlers.onError);
  return source;
}
