/**
 * A sender on a LAN with no server: `p2pft send` advertises its nameplate as
 * a DNS-SD service (`_p2pft-send._tcp.local.`, TXT `nameplate=` and
 * `peerid=`), and `p2pft get` watches for the instance with its code's
 * nameplate. What the advertisement tells the LAN: that someone sends, from
 * which address and port, under which nameplate and ID; not what is sent,
 * nor the code's words.
 *
 * @module
 */

import { MS_PER_SECOND } from "../constants.ts";
import { SEND_SERVICE_TYPE } from "./constants.ts";
import type { HostPort } from "../protocol/channel.ts";
import { advertise, type Advertisement, defaultHostName } from "./advertiser.ts";
import { watchServices } from "./browser.ts";
import type { ServiceInstance } from "./dns_sd.ts";
import type { DiscoveryLog } from "./mdns_socket.ts";
import { defaultTxt } from "./service_names.ts";
import { instanceAddress, TXT_KEY_PEER_ID } from "./services.ts";

/** TXT key under which a sender advertises its nameplate. */
export const TXT_KEY_NAMEPLATE = "nameplate";

/** A sender found on the LAN: where it listens and the ID it must prove. */
export interface FoundSender extends HostPort {
  peerId: string;
}

/** The instance name a sender with `nameplate` asks for on `host`. */
export function senderInstanceName(nameplate: number, host: string): string {
  return `p2pft send ${nameplate} on ${host}`;
}

/**
 * Advertises a sender listening on `listen` under `nameplate`. When another
 * sender on the LAN holds the same instance name the advertisement comes
 * back renamed (`... (2)`): the caller then picks another nameplate.
 */
export function advertiseSender(
  listen: HostPort,
  options: { nameplate: number; peerId: string; log?: DiscoveryLog },
): Promise<Advertisement> {
  const host = defaultHostName();
  return advertise({
    instanceName: senderInstanceName(options.nameplate, host),
    serviceType: SEND_SERVICE_TYPE,
    port: listen.port,
    host,
    txt: {
      ...defaultTxt(),
      [TXT_KEY_NAMEPLATE]: String(options.nameplate),
      [TXT_KEY_PEER_ID]: options.peerId,
    },
  }, { address: listen.host, log: options.log });
}

/** The sender of `nameplate` among `instances`, if one is resolved. */
export function senderOf(instances: ServiceInstance[], nameplate: number): FoundSender | undefined {
  for (const instance of instances) {
    const peerId = instance.txt[TXT_KEY_PEER_ID];
    const address = instanceAddress(instance);
    if (instance.txt[TXT_KEY_NAMEPLATE] !== String(nameplate) || !peerId || !address) continue;
    if (instance.port === 0) continue;
    return { ...address, peerId };
  }
  return undefined;
}

/**
 * Watches the LAN for the sender of `nameplate`, for up to `timeoutMs`;
 * resolves as soon as it is seen. Throws an error that says what to check
 * when none answers in time.
 */
export async function findSender(
  nameplate: number,
  options: { timeoutMs: number; log?: DiscoveryLog },
): Promise<FoundSender> {
  let found: (sender: FoundSender) => void = () => {};
  const seen = new Promise<FoundSender>((resolve) => found = resolve);
  const watcher = await watchServices(SEND_SERVICE_TYPE, {
    log: options.log,
    onChange: (change) => {
      if (change.type === "down") return;
      const sender = senderOf([change.instance], nameplate);
      if (sender) found(sender);
    },
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), options.timeoutMs);
  });
  try {
    const sender = await Promise.race([seen, late]) ?? senderOf(watcher.instances(), nameplate);
    if (sender) return sender;
    throw new Error(
      `no sender with code number ${nameplate} answered on the LAN within ` +
        `${options.timeoutMs / MS_PER_SECOND} s: check the code, that p2pft send still runs on ` +
        `this LAN, or give the --server the sender printed`,
    );
  } finally {
    clearTimeout(timer);
    await watcher.close();
  }
}
