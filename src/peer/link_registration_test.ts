import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { RemoteError } from "../protocol/connection.ts";
import type { SharedFileEntry } from "../protocol/messages.ts";
import { parseRegistration, registerMessage, shareAll } from "./link_registration.ts";

function ipv4(address: string, cidr: string): Deno.NetworkInterfaceInfo {
  return { family: "IPv4", name: "eth0", address, netmask: "", scopeid: null, cidr, mac: "" };
}

Deno.test("a peer registers its ports and the networks it serves; a relay port only if it offers one", () => {
  const interfaces = [ipv4("192.168.1.20", "192.168.1.0/24"), ipv4("127.0.0.1", "127.0.0.0/8")];
  const plain = registerMessage({ listenPort: 4000, listenHost: "0.0.0.0" }, interfaces);
  assert.deepEqual(plain, { t: "register", listenPort: 4000, localNetworks: ["192.168.1.0/24"] });
  const relay = registerMessage({ listenPort: 4000, relayPort: 4001, listenHost: "0.0.0.0" }, []);
  assert.deepEqual(relay, { t: "register", listenPort: 4000, relayPort: 4001, localNetworks: [] });
});

Deno.test("a registration reply's flags count only when they are booleans", () => {
  assert.deepEqual(
    parseRegistration({ address: "10.0.0.2:4000", reachable: false, relaying: true }),
    { dialAddress: "10.0.0.2:4000", reachable: false, relaying: true },
  );
  assert.deepEqual(
    parseRegistration({ address: "10.0.0.2:4000", reachable: "yes" }),
    { dialAddress: "10.0.0.2:4000", reachable: undefined, relaying: undefined },
  );
});

Deno.test("shares that fit go in one request; a server over its caps is warned about, other errors fail", async () => {
  const entry = { fileId: "ab".repeat(32) } as unknown as SharedFileEntry;
  const lines: string[] = [];
  const log = createLogger("link", { level: "info", sink: (line) => lines.push(line) });
  const sent: Record<string, unknown>[] = [];
  const fail = (error?: Error) => ({
    request: (message: Record<string, unknown>) => {
      sent.push(message);
      return error ? Promise.reject(error) : Promise.resolve({});
    },
  });
  await shareAll(fail(), { shares: [], log });
  assert.deepEqual(sent, [], "nothing to share, nothing sent");
  await shareAll(fail(), { shares: [entry], log });
  assert.deepEqual(sent, [{ t: "share", files: [entry] }]);
  await shareAll(
    fail(new RemoteError({ t: "error", code: "over-limit", message: "too many files" })),
    {
      shares: [entry],
      log,
    },
  );
  assert.match(lines.join("\n"), /WARN .*did not index every shared file: too many files/);
  await assert.rejects(
    shareAll(fail(new RemoteError({ t: "error", code: "bad", message: "no" })), {
      shares: [entry],
      log,
    }),
    RemoteError,
  );
});

Deno.test("shares larger than a control frame go in several requests, in order, until one is refused", async () => {
  const entry = (n: number) => ({ fileId: String(n).repeat(64) } as unknown as SharedFileEntry);
  const size = JSON.stringify(entry(1)).length + 1;
  const log = createLogger("link", { level: "silent" });
  const sent: unknown[][] = [];
  const connection = (refuseAt?: number) => ({
    request: (message: Record<string, unknown>) => {
      sent.push(message.files as unknown[]);
      return sent.length === refuseAt
        ? Promise.reject(new RemoteError({ t: "error", code: "over-limit", message: "full" }))
        : Promise.resolve({});
    },
  });
  const shares = [1, 2, 3, 4, 5].map(entry);
  await shareAll(connection(), { shares, log, maxBytes: 2 * size });
  assert.deepEqual(sent, [[entry(1), entry(2)], [entry(3), entry(4)], [entry(5)]]);
  sent.length = 0;
  await shareAll(connection(), { shares: [entry(1)], log, maxBytes: 1 });
  assert.deepEqual(sent, [[entry(1)]], "an entry larger than a batch goes alone");
  sent.length = 0;
  await shareAll(connection(1), { shares, log, maxBytes: 2 * size });
  assert.deepEqual(sent, [[entry(1), entry(2)]], "nothing more once the server is full");
});
