/**
 * Opening a peer's data folder at start, so that a second peer started on
 * the same address (whose default data folder is the same) hears about the
 * port it must change, not only about the folder.
 *
 * @module
 */

import { listenTcp } from "../protocol/acceptor.ts";
import { DataDirInUseError, PeerState } from "../storage/peer_state.ts";

/**
 * Opens the data folder `dir`. When another process holds it and the port
 * this peer is to serve on (`listen`) is taken too, the port is the problem
 * to name: throws the listen error, which says what to pass instead.
 * Otherwise throws what opening the folder threw.
 */
export async function openPeerState(
  dir: string,
  listen: { hostname: string; port: number },
): Promise<PeerState> {
  try {
    return await PeerState.open(dir);
  } catch (error) {
    if (!(error instanceof DataDirInUseError) || listen.port === 0) throw error;
    const probe = await listenTcp({ host: listen.hostname, port: listen.port }, "--addr");
    probe.server.close();
    throw error;
  }
}
