/**
 * Who is who: this peer's ID, network fingerprint and addresses, the
 * server's address and whether this peer is connected to it, and the other
 * peers on the network.
 *
 * @module
 */

import { getPeers, getState } from "./api.js";
import { h, setText, syncList } from "./dom.js";
import { countFiles } from "./format.js";

/** @typedef {import("./api.js").PeerState} PeerState */
/** @typedef {import("./api.js").Peer} Peer */
/** @typedef {import("./notices.js").Notices} Notices */

/** `yes`, `no`, or `not known yet` for a reachability the server has not tested. */
function reachability(/** @type {boolean | null | undefined} */ reachable) {
  if (reachable === true) return "yes: other peers can dial it";
  if (reachable === false) return "no: others reach it by reversal or through the relay";
  return "not known yet";
}

/** One line about a peer: its address, reachability and files. */
function peerText(/** @type {Peer} */ peer) {
  const parts = [peer.self ? `${peer.address} (this peer)` : peer.address];
  if (peer.reachable === false) parts.push("unreachable");
  if (peer.files !== undefined) parts.push(`${countFiles(peer.files)} shared`);
  return parts.join(" · ");
}

/**
 * Fills the peer section (`#this-peer`) and the network section
 * (`#network`); `refresh` reads both from the API, `state()` is the last
 * state read (null before the first).
 *
 * @param {{ self: HTMLElement, network: HTMLElement, header: HTMLElement }} sections
 * @param {{ notices: Notices }} options
 */
export function mountStatus(sections, options) {
  /** @type {PeerState | null} */
  let last = null;
  const field = (
    /** @type {HTMLElement} */ root,
    /** @type {string} */ name,
  ) => /** @type {HTMLElement} */ (root.querySelector(`[data-field="${name}"]`));
  const peerList = /** @type {HTMLElement} */ (sections.network.querySelector("ul"));
  const noPeers = /** @type {HTMLElement} */ (sections.network.querySelector(".empty"));

  /** Shows `state`. */
  function render(/** @type {PeerState} */ state) {
    last = state;
    setText(field(sections.self, "id"), state.peer.id);
    setText(
      field(sections.self, "fingerprint"),
      state.peer.fingerprint ?? "none: an open network, without a key",
    );
    setText(field(sections.self, "listen"), state.peer.listen);
    setText(field(sections.self, "reachable"), reachability(state.peer.reachable));
    setText(field(sections.self, "seenAs"), state.peer.seenAs || "not known yet");
    setText(field(sections.self, "uploadDir"), state.web.uploadDir);
    const server = state.server.address ?? (state.server.lan ? "none: LAN mode" : "none");
    setText(field(sections.network, "server"), server);
    setText(
      field(sections.network, "connected"),
      state.server.connected ? "connected" : "not connected: retrying",
    );
    sections.header.dataset.connected = String(state.server.connected);
    setText(
      field(sections.header, "server"),
      state.server.connected ? `Server ${server}` : "Server not connected",
    );
  }

  /** Shows `peers`. */
  function renderPeers(/** @type {Peer[]} */ peers) {
    syncList(peerList, peers, {
      key: (peer) => peer.id,
      create: () => h("li", { class: "item" }, h("span", { class: "name" })),
      update: (row, peer) => setText(/** @type {Element} */ (row.firstChild), peerText(peer)),
    });
    noPeers.hidden = peers.length > 0;
  }

  /** Reads the state and the peers, and shows them. */
  async function refresh() {
    try {
      const [state, peers] = await Promise.all([getState(), getPeers()]);
      render(state);
      renderPeers(peers);
    } catch (error) {
      options.notices.fail(error);
    }
  }

  return { refresh, state: () => last };
}
