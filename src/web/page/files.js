/**
 * The network's files: a search box, and per file its size and sources, a
 * button that has this peer download it, and a link that saves it straight
 * to the device the browser runs on.
 *
 * @module
 */

import { getFiles, startDownload } from "./api.js";
import { h, setText, syncList, toggle } from "./dom.js";
import { countFiles, countSources, fileLink, formatSize, savedName } from "./format.js";

/** @typedef {import("./api.js").NetworkFile} NetworkFile */
/** @typedef {import("./notices.js").Notices} Notices */

/** Pause after the last key press before searching, in milliseconds. */
const SEARCH_DELAY_MS = 250;

/** One line under a file's name: size, files of a folder, sources, whether this peer has it. */
function details(/** @type {NetworkFile} */ file) {
  const parts = [formatSize(file.size)];
  if (file.folder) parts.push(`folder of ${countFiles(file.fileCount ?? 0)}`);
  parts.push(countSources(file.sources));
  if (file.mine) parts.push("on this peer");
  return parts.join(" · ");
}

/**
 * The link that saves the network's item `id` to the browser's device,
 * through the peer (`/files/ID/NAME`; a folder comes as `NAME.zip`).
 *
 * @param {{ id: string, name: string, folder: boolean }} item
 */
export function saveLink(item) {
  const saved = savedName(item.name, item.folder);
  return h("a", {
    class: "button",
    href: fileLink(item.id, saved),
    download: saved,
    "aria-label": `Save to this device: ${item.name}`,
    text: "Save to this device",
  });
}

/**
 * Fills the files section (`#files`) and keeps it to the search box.
 * `onStarted` runs after a download started.
 *
 * @param {HTMLElement} section
 * @param {{ notices: Notices, onStarted: () => void }} options
 */
export function mountFiles(section, options) {
  const form = /** @type {HTMLFormElement} */ (section.querySelector("form"));
  const input = /** @type {HTMLInputElement} */ (section.querySelector("input[type=search]"));
  const list = /** @type {HTMLElement} */ (section.querySelector("ul"));
  const empty = /** @type {HTMLElement} */ (section.querySelector(".empty"));
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let asked = 0;

  /** @param {NetworkFile} file */
  function create(file) {
    const download = h("button", {
      type: "button",
      class: "primary",
      "aria-label": `Download ${file.name}`,
      text: "Download",
    });
    download.addEventListener("click", () => {
      options.notices.run(download, async () => {
        await startDownload(file.id);
        options.onStarted();
      }, `Downloading ${file.name}`);
    });
    const save = saveLink({ id: file.id, name: file.name, folder: file.folder ?? false });
    return h(
      "li",
      { class: "item" },
      h("div", { class: "item-text" }, h("span", { class: "name" }), h("span", { class: "meta" })),
      h("div", { class: "actions" }, download, save),
    );
  }

  /** @param {HTMLElement} row @param {NetworkFile} file */
  function update(row, file) {
    setText(/** @type {Element} */ (row.querySelector(".name")), file.name);
    setText(/** @type {Element} */ (row.querySelector(".meta")), details(file));
    const download = /** @type {HTMLElement} */ (row.querySelector("button"));
    toggle(download, !file.mine, /** @type {HTMLElement} */ (row.querySelector("a")));
  }

  /** Shows `files`. */
  function render(/** @type {NetworkFile[]} */ files) {
    syncList(list, files, { key: (file) => file.id, create, update });
    empty.hidden = files.length > 0;
    setText(
      empty,
      input.value.trim()
        ? `No file matches "${input.value.trim()}".`
        : "No files on the network yet.",
    );
  }

  /** Fetches the files matching the search box and shows them (the latest answer wins). */
  async function refresh() {
    const mine = ++asked;
    try {
      const files = await getFiles(input.value.trim());
      if (mine === asked) render(files);
    } catch (error) {
      options.notices.fail(error);
    }
  }

  /**
   * Shows the network's new list of files (null when the event carried none):
   * as is with an empty search box, else asked again with the search.
   */
  function changed(/** @type {NetworkFile[] | null} */ files) {
    if (files && !input.value.trim()) {
      asked++;
      render(files);
    } else {
      refresh();
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(timer);
    refresh();
  });
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(refresh, SEARCH_DELAY_MS);
  });
  return { refresh, changed };
}
