/**
 * The page's two DOM helpers: {@linkcode h} builds an element, and
 * {@linkcode syncList} brings a list up to date in place, so live updates
 * keep the rows, their buttons and the keyboard focus where they are.
 *
 * @module
 */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Makes a `tag` element. In `props`, `on…` functions become listeners,
 * `text` the text content, `false`/null/undefined values are left out, and
 * everything else becomes an attribute (`class`, `aria-label`, `href`…).
 *
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, unknown>} [props]
 * @param {...Child} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === false || value === null || value === undefined) continue;
    if (name === "text") {
      element.textContent = String(value);
    } else if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), /** @type {EventListener} */ (value));
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === "number" ? String(child) : child);
  }
  return element;
}

/**
 * Makes `container`'s children the rows of `items`, in order: a row whose
 * key is still there is kept and passed to `update`; a new key gets a row
 * from `create` (then `update`); rows whose key is gone are removed.
 *
 * @template T
 * @param {HTMLElement} container
 * @param {T[]} items
 * @param {{ key: (item: T) => string, create: (item: T) => HTMLElement,
 *   update: (row: HTMLElement, item: T) => void }} rows
 */
export function syncList(container, items, rows) {
  /** @type {Map<string, HTMLElement>} */
  const old = new Map();
  for (const child of container.children) {
    if (child instanceof HTMLElement && child.dataset.key !== undefined) {
      old.set(child.dataset.key, child);
    }
  }
  let index = 0;
  for (const item of items) {
    const key = rows.key(item);
    let row = old.get(key);
    if (row) {
      old.delete(key);
    } else {
      row = rows.create(item);
      row.dataset.key = key;
    }
    rows.update(row, item);
    const here = container.children[index] ?? null;
    if (here !== row) container.insertBefore(row, here);
    index++;
  }
  for (const row of old.values()) row.remove();
}

/**
 * Shows or hides `button`; hiding the focused one moves the focus to
 * `instead`, so a keyboard user does not lose their place.
 *
 * @param {HTMLElement} button
 * @param {boolean} shown
 * @param {HTMLElement} [instead]
 */
export function toggle(button, shown, instead) {
  if (!shown && document.activeElement === button && instead && !instead.hidden) instead.focus();
  button.hidden = !shown;
}

/** Sets `element`'s text, touching the DOM only when it changes. */
export function setText(/** @type {Element} */ element, /** @type {string} */ text) {
  if (element.textContent !== text) element.textContent = text;
}
