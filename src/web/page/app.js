// @ts-check
/// <reference lib="dom" />
/**
 * The page's entry: mounts each section, reads everything once, then keeps
 * it live from the event stream (`downloads`, `shared`, `files`) and a
 * slow poll of the peer's state and the peers.
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
  let cutOff = false;

  listen(["downloads", "shared", "files"], {
    onEvent(name, data) {
      if (name === "downloads" && Array.isArray(data?.downloads)) {
        downloads.render(data.downloads);
      } else if (name === "downloads") {
        downloads.refresh();
      } else if (name === "shared") {
        shared.refresh();
      } else {
        files.refresh();
      }
    },
    onOpen() {
      live.textContent = "Live";
      header.dataset.live = "true";
      if (!cutOff) return;
      // Events may have been missed while the stream was down.
      cutOff = false;
      downloads.refresh();
      shared.refresh();
      files.refresh();
    },
    onError() {
      live.textContent = "Reconnecting…";
      header.dataset.live = "false";
      cutOff = true;
    },
  });
  status.refresh();
  downloads.refresh();
  shared.refresh();
  files.refresh();
  setInterval(status.refresh, STATE_POLL_MS);
}

start();
