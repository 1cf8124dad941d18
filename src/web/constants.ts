/**
 * Limits of the web page's port (see web_listener.ts). Numbers other parts
 * share are in `src/constants.ts`.
 *
 * @module
 */

/**
 * Connections the web page's port (`peer --web`) holds at once. They come
 * out of the descriptors `DESCRIPTOR_RESERVE` (512) keeps free beside the
 * chunk port, so at most a quarter of it: past it a newcomer gets a 503.
 * Each costs a descriptor and a few KiB, so 128 bounds both.
 */
export const WEB_MAX_CONNECTIONS = 128;

/**
 * Connections one address (an IPv4 address, an IPv6 /64) may hold on the
 * web port. A browser opens at most 6 to one origin over HTTP/1.1, one of
 * them the page's event stream, and a device may reach the page under two
 * names (its IP address and `host.local`): 32 lets a few browsers behind one
 * address (a NAT) use it at once, while 4 such addresses are needed to fill
 * {@linkcode WEB_MAX_CONNECTIONS}.
 */
export const WEB_MAX_CONNECTIONS_PER_ADDRESS = 32;

/**
 * Time a web connection has to send a request's headers, from when it opens
 * or its previous response ended; past it it gets a 408 and is closed. A
 * browser sends them in one packet; 10 s is ample on a slow phone link and
 * cuts a header that never ends. Checked every second, so it may take 1 s
 * longer.
 */
export const WEB_HEADERS_TIMEOUT_MS = 10_000;

/**
 * Time an idle kept-alive web connection stays open after a response (the
 * runtime adds 1 s). Browsers open a new connection when the old one is
 * gone, so a short one costs a handshake on loopback or the LAN; 5 s is the
 * `node:http` default.
 */
export const WEB_KEEP_ALIVE_TIMEOUT_MS = 5_000;

/**
 * Time a web connection may pass with no byte either way while a request
 * runs (an upload that stopped sending, a browser that stopped reading a
 * download, a download whose swarm sends no chunk) before it is closed,
 * as the chunk port does after `CHUNK_IDLE_TIMEOUT_MS`, the same figure.
 * The event stream sends a comment line every 15 s, so only a stuck
 * connection reaches it; a browser resumes a cut download with a range
 * request.
 */
export const WEB_IDLE_TIMEOUT_MS = 120_000;
