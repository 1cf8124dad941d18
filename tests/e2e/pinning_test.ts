/**
 * A dialer's pin holds against a listener that sends the pinned identity's
 * certificate in the clear but runs TLS with a certificate of its own, one
 * that the runtime trusts anyway: public CAs are in the runtime's trust
 * store beside the pinned certificate, and `DENO_CERT` (set here for the
 * dialer's process) adds more. The name check (`ID.p2pft.invalid`, which
 * no public authority may certify) tells the two apart; an authority added
 * locally (`DENO_CERT`, the system's store) follows no such rule, so the
 * dialer also checks the certificate TLS proved against the pinned ID.
 */

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import net from "node:net";
import { join } from "node:path";
import { acceptSecure, listenerCredentials } from "../../src/protocol/secure_channel.ts";
import { encodePem, selfSignedCertificate } from "../../src/security/certificate.ts";
import { createIdentity, type Identity, tlsName } from "../../src/security/identity.ts";

const DIALER = new URL("../helpers/dial_secure_once.ts", import.meta.url).pathname;

/**
 * A listener that sends `shown`'s certificate after its preamble and runs
 * TLS with `actual`'s certificate and key.
 */
async function startListener(shown: Identity, actual: Identity) {
  const credentials = {
    context: listenerCredentials(actual).context,
    certificate: new Uint8Array(new X509Certificate(shown.certPem).raw),
  };
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    acceptSecure(socket, { credentials, role: "server" })
      .then((link) => link.channel.close())
      .catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * An impostor's own key in a certificate for `victim`'s name, as an
 * authority trusted on the dialer's machine (a company's TLS-inspecting
 * proxy, a debugging proxy) would issue it.
 */
async function impostorForName(victim: Identity): Promise<Identity> {
  const keys = await crypto.subtle.generateKey({ name: "Ed25519" }, true, ["sign", "verify"]);
  const der = await selfSignedCertificate(keys as CryptoKeyPair, {
    serial: new Uint8Array([1]),
    commonName: "impostor",
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2120, 0, 1)),
    dnsName: tlsName(victim.id),
  });
  const pkcs8 = new Uint8Array(
    await crypto.subtle.exportKey("pkcs8", (keys as CryptoKeyPair).privateKey),
  );
  return {
    id: "impostor",
    certPem: encodePem(der, "CERTIFICATE"),
    keyPem: encodePem(pkcs8, "PRIVATE KEY"),
  };
}

/** Runs one pinned dial in a process of its own that also trusts `trusted`'s certificate. */
async function dialFromProcess(port: number, options: { expectId: string; trusted: Identity }) {
  const dir = await Deno.makeTempDir();
  try {
    const extraRoot = join(dir, "extra_root.pem");
    await Deno.writeTextFile(extraRoot, options.trusted.certPem);
    const result = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", DIALER, `127.0.0.1:${port}`, options.expectId],
      env: { DENO_CERT: extraRoot },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(result.stdout).trim();
    assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
    return text;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a listener showing the pinned certificate but running TLS with another trusted one is refused", async () => {
  const [victim, impostor] = await Promise.all([createIdentity(), createIdentity()]);
  await using listener = await startListener(victim, impostor);
  const outcome = await dialFromProcess(listener.port, {
    expectId: victim.id,
    trusted: impostor,
  });
  assert.match(outcome, /^refused /);
  assert.match(outcome, /NotValidForName|not valid for/i);
});

Deno.test("a listener running TLS with a locally trusted certificate for the pinned name is refused", async () => {
  const victim = await createIdentity();
  const impostor = await impostorForName(victim);
  await using listener = await startListener(victim, impostor);
  const outcome = await dialFromProcess(listener.port, {
    expectId: victim.id,
    trusted: impostor,
  });
  assert.match(outcome, /^refused /);
  assert.match(outcome, /proved another certificate/);
});

Deno.test("the same dialer process secures a link to the genuine listener", async () => {
  const [genuine, other] = await Promise.all([createIdentity(), createIdentity()]);
  await using listener = await startListener(genuine, genuine);
  const outcome = await dialFromProcess(listener.port, { expectId: genuine.id, trusted: other });
  assert.equal(outcome, `secured ${genuine.id}`);
});
