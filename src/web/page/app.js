/**
 * The page's entry: mounts each section and keeps it live from the event
 * stream (`downloads`, `shared`, `files`), and from a slow poll of the
 * peer's state and the peers.
 *
 * @module
 */

import { listen } from "./api.js";
import { mountDownloads } from "./downloads.js";
import { mountFiles } from "./files.js";
import { Notices } from "./notices.js";
import { mountShared } from "./shared.js";
import { mountStatus } from "./status.js";

/** How often the peer's state and the peers list are read again, in milliseconds. */
const STATE_POLL_MS = 5000;

/** The element with `id`; the page's HTML has them all. */
function byId(/** @type {string} */ id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page has no #${id}: reload it`);
  return element;
}

/** Starts the page. */
function start() {
  const notices = new Notices({
    status: byId("notice"),
    alert: byId("alert"),
    auth: byId("auth"),
  });
  const header = byId("top");
  const status = mountStatus({ self: byId("this-peer"), network: byId("network"), header }, {
    notices,
  });
  const downloads = mountDownloads(byId("downloads"), { notices });
  const files = mountFiles(byId("files"), { notices, onStarted: downloads.refresh });
  const shared = mountShared(byId("shared"), {
    notices,
    limit: () => status.state()?.web.uploadLimit ?? 0,
  });
  const live = /** @type {HTMLElement} */ (header.querySelector('[data-field="live"]'));

  // The stream sends every list when it opens (and reopens), then each change.
  listen(["downloads", "shared", "files"], {
    onEvent(name, data) {
      if (name === "downloads") {
        Array.isArray(data?.downloads) ? downloads.render(data.downloads) : downloads.refresh();
      } else if (name === "shared") {
        Array.isArray(data?.shared) ? shared.render(data.shared) : shared.refresh();
      } else {
        files.changed(Array.isArray(data?.files) ? data.files : null);
      }
    },
    onOpen() {
      live.textContent = "Live";
      header.dataset.live = "true";
    },
    onError() {
      live.textContent = "Reconnecting…";
      header.dataset.live = "false";
    },
  });
  status.refresh();
  setInterval(status.refresh, STATE_POLL_MS);
}

start();
