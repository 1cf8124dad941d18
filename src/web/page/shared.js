/**
 * What this peer shares: share a path on the peer's disk, stop sharing an
 * item, and upload files from the browser's device (each with its progress)
 * so that the peer shares them.
 *
 * @module
 */

import { getShared, share, unshare, upload } from "./api.js";
import { h, setText, syncList } from "./dom.js";
import { countFiles, formatSize, percent } from "./format.js";

/** @typedef {import("./api.js").SharedItem} SharedItem */
/** @typedef {import("./notices.js").Notices} Notices */

/** One line under a shared item's name: size, files of a folder, where it is. */
function details(/** @type {SharedItem} */ item) {
  const parts = [formatSize(item.size)];
  if (item.folder) parts.push(`folder of ${countFiles(item.fileCount ?? 0)}`);
  if (item.complete === false) parts.push("downloading");
  if (item.path) parts.push(item.path);
  return parts.join(" · ");
}

/**
 * Fills the shared section (`#shared`): its list, the share form and the
 * upload form. `limit()` is the largest upload the peer takes, in bytes
 * (0 when not known yet).
 *
 * @param {HTMLElement} section
 * @param {{ notices: Notices, limit: () => number }} options
 */
export function mountShared(section, options) {
  const list = /** @type {HTMLElement} */ (section.querySelector("#shared-list"));
  const empty = /** @type {HTMLElement} */ (section.querySelector(".empty"));
  const shareForm = /** @type {HTMLFormElement} */ (section.querySelector("#share-form"));
  const pathInput = /** @type {HTMLInputElement} */ (shareForm.querySelector("input"));
  const uploadForm = /** @type {HTMLFormElement} */ (section.querySelector("#upload-form"));
  const fileInput = /** @type {HTMLInputElement} */ (uploadForm.querySelector("input"));
  const uploads = /** @type {HTMLElement} */ (section.querySelector("#uploads"));

  /** @param {SharedItem} item */
  function create(item) {
    const stop = h("button", {
      type: "button",
      "aria-label": `Stop sharing ${item.name}`,
      text: "Stop sharing",
    });
    stop.addEventListener("click", () => {
      options.notices.run(stop, () => unshare(item.id), `Stopped sharing ${item.name}`)
        .then(refresh);
    });
    return h(
      "li",
      { class: "item" },
      h("div", { class: "item-text" }, h("span", { class: "name" }), h("span", { class: "meta" })),
      h("div", { class: "actions" }, stop),
    );
  }

  /** @param {HTMLElement} row @param {SharedItem} item */
  function update(row, item) {
    setText(/** @type {Element} */ (row.querySelector(".name")), item.name);
    setText(/** @type {Element} */ (row.querySelector(".meta")), details(item));
  }

  /** Shows `items`. */
  function render(/** @type {SharedItem[]} */ items) {
    syncList(list, items, { key: (item) => item.id, create, update });
    empty.hidden = items.length > 0;
  }

  /** Fetches the shared items and shows them. */
  function refresh() {
    return options.notices.load(getShared, render);
  }

  shareForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const path = pathInput.value.trim();
    if (!path) {
      options.notices.fail(new Error("type the path of a file or folder on the peer's computer"));
      pathInput.focus();
      return;
    }
    const button = /** @type {HTMLButtonElement} */ (shareForm.querySelector("button"));
    options.notices.run(button, () => share(path), `Sharing ${path}`).then((ok) => {
      if (ok) pathInput.value = "";
      refresh();
    });
  });

  /** Uploads `file`, showing its progress in a row of its own; resolves to whether it went well. */
  async function send(/** @type {File} */ file) {
    const bar = h("progress", {
      max: file.size || 1,
      value: 0,
      "aria-label": `${file.name} upload`,
    });
    const text = h("span", { class: "meta", text: `0% of ${formatSize(file.size)}` });
    const row = h(
      "li",
      { class: "item upload" },
      h("div", { class: "item-text" }, h("span", { class: "name", text: file.name }), text),
      bar,
    );
    uploads.append(row);
    const shown = (/** @type {number} */ sent) => {
      bar.value = sent;
      setText(text, `${percent(sent, file.size)}% of ${formatSize(file.size)}`);
    };
    const ok = await options.notices.run(null, () => upload(file, shown), `Uploaded ${file.name}`);
    row.dataset.state = ok ? "done" : "failed";
    if (!ok) setText(text, "upload failed");
    return ok;
  }

  uploadForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const files = [...(fileInput.files ?? [])];
    if (files.length === 0) {
      options.notices.fail(new Error("choose one or more files to upload"));
      fileInput.focus();
      return;
    }
    const limit = options.limit();
    const tooBig = files.find((file) => limit > 0 && file.size > limit);
    if (tooBig) {
      options.notices.fail(
        new Error(`${tooBig.name} is over the upload limit of ${formatSize(limit)}`),
      );
      return;
    }
    const button = /** @type {HTMLButtonElement} */ (uploadForm.querySelector("button"));
    button.disabled = true;
    uploads.replaceChildren();
    try {
      for (const file of files) {
        if (!await send(file)) break;
      }
      fileInput.value = "";
    } finally {
      button.disabled = false;
      refresh();
    }
  });

  return { render, refresh };
}
