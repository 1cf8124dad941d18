/**
 * Server links for tests that watch what a server tells its peers: every
 * link made by one {@linkcode noticeLinks} records the notices it gets in
 * one shared list.
 *
 * @module
 */

import type { Credentials } from "../protocol/dial.ts";
import { ServerLink } from "./server_link.ts";
import type { ServerLinkOptions } from "./server_link_options.ts";

/**
 * Makes links to the server at 127.0.0.1:`port` that share nothing and push
 * every notice into `notices`; `options` (and each link's own `more`) add to
 * or replace those settings.
 */
export function noticeLinks(port: number, options: Partial<ServerLinkOptions> = {}) {
  const notices: Record<string, unknown>[] = [];
  const link = (
    credentials: Credentials,
    listenPort: number,
    more: Partial<ServerLinkOptions> = {},
  ) =>
    new ServerLink({
      server: { host: "127.0.0.1", port },
      credentials,
      listenPort,
      shares: () => [],
      onNotice: (notice) => notices.push(notice),
      ...options,
      ...more,
    });
  return { link, notices };
}
