/**
 * This peer's downloads, live: progress, rate, time left, each source and
 * how its bytes come (direct, reversed, relayed), with cancel and resume.
 *
 * @module
 */

import { cancelDownload, getDownloads, resumeDownload } from "./api.js";
import { h, setText, syncList, toggle } from "./dom.js";
import { saveLink } from "./files.js";
import { describeWay, formatEta, formatRate, formatSize, percent } from "./format.js";

/** @typedef {import("./api.js").Download} Download */
/** @typedef {import("./notices.js").Notices} Notices */

/** States in which a download moves or waits its turn: it can be cancelled. */
const ACTIVE = new Set(["running"]);

/** States a download stopped in before the end: it can be resumed. */
const STOPPED = new Set(["cancelled", "failed"]);

/** The figures line: `45% · 45.0 MiB of 100.0 MiB · 12.0 MiB/s · 5 s left`. */
export function figures(/** @type {Download} */ download) {
  const parts = [
    `${percent(download.done, download.size)}%`,
    `${formatSize(download.done)} of ${formatSize(download.size)}`,
  ];
  if (ACTIVE.has(download.state)) {
    parts.push(formatRate(download.rate));
    const eta = formatEta(download.eta);
    if (eta) parts.push(`${eta} left`);
  }
  return parts.join(" · ");
}

/** The state in words: `waiting for sources`, `done`, `3 of 8 files`… */
function stateText(/** @type {Download} */ download) {
  if (download.state === "running" && download.phase && download.phase !== "running") {
    return download.phase === "waiting" ? "waiting for sources" : download.phase;
  }
  if (download.state === "running" && download.files) {
    return `${download.files.done} of ${download.files.total} files`;
  }
  return download.state;
}

/** One source in words: `127.0.0.1:4000, direct`. */
function sourceText(/** @type {import("./api.js").Source} */ source) {
  return `${source.address}, ${describeWay(source.way)}`;
}

/**
 * Fills the downloads section (`#downloads`): {@linkcode render} shows a
 * list (from `GET /api/downloads` or a `downloads` event).
 *
 * @param {HTMLElement} section
 * @param {{ notices: Notices }} options
 */
export function mountDownloads(section, options) {
  const list = /** @type {HTMLElement} */ (section.querySelector("ul"));
  const empty = /** @type {HTMLElement} */ (section.querySelector(".empty"));

  /** @param {Download} download */
  function create(download) {
    const cancel = h("button", {
      type: "button",
      class: "cancel",
      "aria-label": `Cancel ${download.name}`,
      text: "Cancel",
    });
    const resume = h("button", {
      type: "button",
      class: "resume primary",
      "aria-label": `Resume ${download.name}`,
      text: "Resume",
    });
    cancel.addEventListener("click", () => {
      options.notices.run(cancel, () => cancelDownload(download.id), `Cancelled ${download.name}`)
        .then(refresh);
    });
    resume.addEventListener("click", () => {
      options.notices.run(resume, () => resumeDownload(download.id), `Resuming ${download.name}`)
        .then(refresh);
    });
    const save = saveLink({
      id: download.fileId,
      name: download.name,
      folder: download.files !== undefined,
    });
    save.classList.add("save");
    return h(
      "li",
      { class: "item download" },
      h(
        "div",
        { class: "item-text" },
        h("span", { class: "name", text: download.name }),
        h("span", { class: "state" }),
      ),
      h("progress", { max: 100, "aria-label": `${download.name} progress` }),
      h("span", { class: "meta figures" }),
      h("ul", { class: "sources", "aria-label": `Sources of ${download.name}` }),
      h("span", { class: "meta path" }),
      h("span", { class: "error", role: "alert" }),
      h("div", { class: "actions" }, cancel, resume, save),
    );
  }

  /** @param {HTMLElement} row @param {Download} download */
  function update(row, download) {
    const find = (
      /** @type {string} */ selector,
    ) => /** @type {HTMLElement} */ (row.querySelector(selector));
    const progress = /** @type {HTMLProgressElement} */ (find("progress"));
    const done = percent(download.done, download.size);
    if (progress.value !== done) progress.value = done;
    row.dataset.state = download.state;
    setText(find(".state"), stateText(download));
    setText(find(".figures"), figures(download));
    const sources = find(".sources");
    syncList(sources, download.sources, {
      key: (source) => `${source.address} ${source.way}`,
      create: (source) => h("li", { class: `way-${source.way}`, text: sourceText(source) }),
      update: () => {},
    });
    const path = find(".path");
    path.hidden = !(download.path && download.state === "done");
    setText(path, download.path ? `Saved to ${download.path}` : "");
    const error = find(".error");
    error.hidden = !download.error;
    setText(error, download.error ?? "");
    const cancel = find(".cancel");
    const resume = find(".resume");
    const canResume = STOPPED.has(download.state);
    const canCancel = ACTIVE.has(download.state);
    // Show before hiding, so the focus can move from a button going away to its successor.
    if (canResume) toggle(resume, true);
    if (canCancel) toggle(cancel, true);
    if (!canResume) toggle(resume, false, cancel);
    if (!canCancel) toggle(cancel, false, resume);
    find(".save").hidden = download.state !== "done";
  }

  /** Shows `downloads`, in the API's order (oldest first). */
  function render(/** @type {Download[]} */ downloads) {
    syncList(list, downloads, { key: (download) => String(download.id), create, update });
    empty.hidden = downloads.length > 0;
  }

  /** Fetches the downloads and shows them. */
  function refresh() {
    return options.notices.load(getDownloads, render);
  }

  return { render, refresh };
}
