import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHash, X509Certificate } from "node:crypto";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import * as tls from "node:tls";
import {
  CERTIFICATE_FILE,
  createIdentity,
  idOfCertificate,
  isId,
  KEY_FILE,
  loadOrCreateIdentity,
  shortId,
  tlsName,
} from "./identity.ts";
import { encodeBase32 } from "./base32.ts";
import { encodePem, selfSignedCertificate } from "./certificate.ts";

function derOf(pem: string): Uint8Array {
  return new Uint8Array(new X509Certificate(pem).raw);
}

Deno.test("a new identity's ID is the base32 SHA-256 of its certificate's public key", async () => {
  const identity = await createIdentity();
  assert.ok(isId(identity.id), identity.id);
  assert.equal(idOfCertificate(derOf(identity.certPem)), identity.id);
  const spki = new X509Certificate(identity.certPem).publicKey.export({
    type: "spki",
    format: "der",
  });
  assert.equal(
    identity.id,
    encodeBase32(new Uint8Array(createHash("sha256").update(spki).digest())),
  );
  assert.match(identity.keyPem, /^-----BEGIN PRIVATE KEY-----\n/);
});

Deno.test("a new identity's certificate is a self-signed Ed25519 end-entity certificate", async () => {
  const certificate = new X509Certificate((await createIdentity()).certPem);
  assert.equal(certificate.subject, "CN=p2pft");
  assert.equal(certificate.issuer, "CN=p2pft");
  assert.equal(certificate.publicKey.asymmetricKeyType, "ed25519");
  assert.equal(certificate.ca, false);
  assert.equal(certificate.subjectAltName, `DNS:${tlsName(idOfCertificate(certificate.raw))}`);
  assert.match(tlsName("x"), /^x\.p2pft\.invalid$/);
  assert.equal(new Date(certificate.validFrom).toISOString(), "2020-01-01T00:00:00.000Z");
  assert.equal(new Date(certificate.validTo).toISOString(), "2120-01-01T00:00:00.000Z");
  assert.ok(certificate.verify(certificate.publicKey));
});

Deno.test("two new identities differ", async () => {
  const [a, b] = await Promise.all([createIdentity(), createIdentity()]);
  assert.notEqual(a.id, b.id);
  assert.notEqual(a.keyPem, b.keyPem);
});

Deno.test("an identity is created once, kept with mode 0600, and the same after a reload", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "new", "folder");
    const first = await loadOrCreateIdentity(dir);
    const second = await loadOrCreateIdentity(dir);
    assert.deepEqual(second, first);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(join(dir, KEY_FILE))).mode! & 0o777, 0o600);
    }
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(dir))).map((entry) => entry.name).sort(),
      [CERTIFICATE_FILE, KEY_FILE],
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a lost certificate is remade from the key with the same ID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateIdentity(dir);
    await Deno.remove(join(dir, CERTIFICATE_FILE));
    const again = await loadOrCreateIdentity(dir);
    assert.equal(again.id, first.id);
    assert.equal(again.keyPem, first.keyPem);
    assert.equal(idOfCertificate(derOf(again.certPem)), first.id);
    assert.equal(await Deno.readTextFile(join(dir, CERTIFICATE_FILE)), again.certPem);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a certificate from before the TLS name is remade from the key with the name and the same ID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = await loadOrCreateIdentity(dir);
    const privateKey = await crypto.subtle.importKey(
      "pkcs8",
      new Uint8Array(Buffer.from(first.keyPem.replace(/-----[^-]+-----|\s/g, ""), "base64")),
      { name: "Ed25519" },
      true,
      ["sign"],
    );
    const publicKey = new X509Certificate(first.certPem).publicKey;
    const spki = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
    const keys = {
      privateKey,
      publicKey: await crypto.subtle.importKey("spki", spki, { name: "Ed25519" }, true, [
        "verify",
      ]),
    };
    const old = await selfSignedCertificate(keys, {
      serial: new Uint8Array([0x42]),
      commonName: "p2pft",
      notBefore: new Date(Date.UTC(2020, 0, 1)),
      notAfter: new Date(Date.UTC(2120, 0, 1)),
    });
    await Deno.writeTextFile(join(dir, CERTIFICATE_FILE), encodePem(old, "CERTIFICATE") + "\n");
    assert.equal(new X509Certificate(old).subjectAltName, undefined);
    const again = await loadOrCreateIdentity(dir);
    assert.equal(again.id, first.id);
    const remade = new X509Certificate(await Deno.readTextFile(join(dir, CERTIFICATE_FILE)));
    assert.equal(remade.subjectAltName, `DNS:${tlsName(first.id)}`);
    assert.equal(idOfCertificate(remade.raw), first.id);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a damaged key, a damaged or foreign certificate, or a lost key fail with advice", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await loadOrCreateIdentity(dir);
    const keyPath = join(dir, KEY_FILE);
    const certificatePath = join(dir, CERTIFICATE_FILE);
    const keyPem = await Deno.readTextFile(keyPath);
    const certPem = await Deno.readTextFile(certificatePath);

    await Deno.writeTextFile(
      keyPath,
      "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    await assert.rejects(
      loadOrCreateIdentity(dir),
      (error: Error) =>
        error.message.startsWith(`${keyPath} is not an Ed25519 private key`) &&
        error.message.includes("peers that pinned the old identity will refuse the new one"),
    );
    await Deno.writeTextFile(keyPath, keyPem);

    await Deno.writeTextFile(certificatePath, certPem.slice(0, 100));
    await assert.rejects(
      loadOrCreateIdentity(dir),
      new RegExp(`^Error: ${certificatePath} is not a valid certificate.*delete it`),
    );

    await Deno.writeTextFile(certificatePath, (await createIdentity()).certPem);
    await assert.rejects(
      loadOrCreateIdentity(dir),
      new RegExp(`^Error: ${certificatePath} does not belong to ${keyPath}; delete`),
    );

    await Deno.writeTextFile(certificatePath, certPem);
    await Deno.remove(keyPath);
    await assert.rejects(
      loadOrCreateIdentity(dir),
      new RegExp(`^Error: ${keyPath} is missing, so the identity in .*make a new identity`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("idOfCertificate rejects bytes that are no certificate", () => {
  assert.throws(() => idOfCertificate(new Uint8Array()), /not a valid X\.509 certificate/);
  assert.throws(() => idOfCertificate(new Uint8Array([0x30, 3, 1, 2, 3])), /not a valid X\.509/);
});

Deno.test("isId accepts exactly the IDs idOfCertificate writes; shortId is their first 8 characters", async () => {
  const { id } = await createIdentity();
  assert.ok(isId(id));
  assert.equal(shortId(id), id.slice(0, 8));
  assert.equal(shortId(id).length, 8);
  assert.ok(!isId(id.toUpperCase()));
  assert.ok(!isId(id.slice(1)));
  assert.ok(!isId(id + "a"));
  assert.ok(!isId(id.slice(0, 51) + "b")); // non-zero padding bits: not a SHA-256
  assert.ok(!isId(id.slice(0, 51) + "1"));
  assert.ok(!isId(""));
});

Deno.test("node:tls mutual TLS 1.3 with two identities: each side learns the other's ID", async () => {
  const [serverIdentity, clientIdentity] = await Promise.all([createIdentity(), createIdentity()]);
  const seenByServer = Promise.withResolvers<string>();
  const server = tls.createServer({
    cert: serverIdentity.certPem,
    key: serverIdentity.keyPem,
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: "TLSv1.3",
  }, (socket) => {
    try {
      seenByServer.resolve(idOfCertificate(socket.getPeerCertificate(true).raw));
    } catch (error) {
      seenByServer.reject(error);
    }
    socket.end("hello");
  });
  const listening = Promise.withResolvers<void>();
  server.listen(0, "127.0.0.1", () => listening.resolve());
  let client: tls.TLSSocket | undefined;
  try {
    await listening.promise;
    const { port } = server.address() as AddressInfo;
    const connected = Promise.withResolvers<void>();
    client = tls.connect({
      host: "127.0.0.1",
      port,
      cert: clientIdentity.certPem,
      key: clientIdentity.keyPem,
      rejectUnauthorized: false,
      minVersion: "TLSv1.3",
    }, () => connected.resolve());
    client.on("error", (error) => connected.reject(error));
    await connected.promise;
    assert.equal(client.getProtocol(), "TLSv1.3");
    assert.equal(idOfCertificate(client.getPeerCertificate(true).raw), serverIdentity.id);
    assert.equal(await seenByServer.promise, clientIdentity.id);
  } finally {
    client?.destroy();
    const closed = Promise.withResolvers<void>();
    server.close(() => closed.resolve());
    await closed.promise;
  }
});
