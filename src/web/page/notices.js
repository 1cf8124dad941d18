/**
 * What the page tells the user about their actions: a polite status line
 * for what went well, an alert for what failed, and the banner that asks
 * for the access token when the API answers 401.
 *
 * @module
 */

import { ApiError } from "./api.js";

/** How long a notice stays, in milliseconds. */
const NOTICE_MS = 6000;

/** Tells the user about their actions; see {@linkcode notices}. */
export class Notices {
  #status;
  #alert;
  #auth;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  #timer;

  /**
   * @param {{ status: HTMLElement, alert: HTMLElement, auth: HTMLElement }} elements
   *   a `role=status` line, a `role=alert` line and the hidden token banner
   */
  constructor(elements) {
    this.#status = elements.status;
    this.#alert = elements.alert;
    this.#auth = elements.auth;
  }

  /** Says `message` politely, for a while. */
  say(/** @type {string} */ message) {
    this.#show(this.#status, message);
    this.#alert.textContent = "";
  }

  /** Reports `error` as an alert; a 401 shows the token banner instead. */
  fail(/** @type {unknown} */ error) {
    if (error instanceof ApiError && error.status === 401) {
      this.#auth.hidden = false;
      return;
    }
    this.#show(this.#alert, error instanceof Error ? error.message : String(error));
    this.#status.textContent = "";
  }

  /**
   * Runs `action` with `button` marked busy meanwhile (clicks on it then do
   * nothing); says `done` after it, or reports its failure. Resolves to
   * whether it went well. Busy is `aria-disabled`, not `disabled`, so the
   * button keeps the keyboard focus.
   *
   * @param {HTMLButtonElement | null} button
   * @param {() => Promise<unknown>} action
   * @param {string} [done]
   */
  async run(button, action, done) {
    if (button?.getAttribute("aria-disabled") === "true") return false;
    button?.setAttribute("aria-disabled", "true");
    try {
      await action();
      if (done) this.say(done);
      return true;
    } catch (error) {
      this.fail(error);
      return false;
    } finally {
      button?.removeAttribute("aria-disabled");
    }
  }

  /**
   * Reads with `read` and shows what it gives with `render`; a failure is
   * reported instead.
   *
   * @template T
   * @param {() => Promise<T>} read
   * @param {(value: T) => void} render
   */
  async load(read, render) {
    try {
      render(await read());
    } catch (error) {
      this.fail(error);
    }
  }

  #show(/** @type {HTMLElement} */ element, /** @type {string} */ message) {
    element.textContent = message;
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      if (element.textContent === message) element.textContent = "";
    }, NOTICE_MS);
  }
}
