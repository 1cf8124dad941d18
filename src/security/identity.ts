/**
 * Identities of servers and peers: an Ed25519 key pair and a self-signed
 * X.509 certificate for TLS. The ID is the SHA-256 of the certificate's
 * public key (its SubjectPublicKeyInfo), in lowercase base32: nobody can
 * present an ID without holding its private key, and a certificate remade
 * from the same key keeps the same ID.
 *
 * The certificate names `ID.p2pft.invalid` (see {@linkcode tlsName}), and a
 * dialer's TLS checks that name: a certificate that some other authority the
 * runtime trusts (a public CA, `DENO_CERT`) issued cannot pass for a pinned
 * identity, as no such authority certifies names under `.invalid`.
 *
 * On disk a data folder holds `identity.key` (PKCS#8 PEM, mode 0600) and
 * `identity.crt` (PEM), both created at first start. A certificate from
 * before the name was added is remade from the key on load (same ID).
 *
 * @module
 */

import { createHash, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { encodeBase32 } from "./base32.ts";
import { decodePem, encodePem, selfSignedCertificate } from "./certificate.ts";
import { readTextFileIfExists, writePrivateFile } from "./private_file.ts";

/** A server's or peer's identity, ready for `node:tls` (`cert`, `key`). */
export interface Identity {
  /** The ID others pin: `idOfCertificate` of `certPem`. */
  readonly id: string;
  /** Self-signed X.509 certificate, PEM. */
  readonly certPem: string;
  /** Ed25519 private key, PKCS#8 PEM ("PRIVATE KEY"). */
  readonly keyPem: string;
}

/** File name of the certificate in a data folder. */
export const CERTIFICATE_FILE = "identity.crt";

/** File name of the private key in a data folder. */
export const KEY_FILE = "identity.key";

const COMMON_NAME = "p2pft";
// The identity is the key, not the certificate: peers pin the key's hash and
// never check dates, and an identity that expired would lock its owner out of
// every peer that pinned it. The fixed, wide validity only satisfies TLS
// stacks that do check the dates.
const NOT_BEFORE = new Date(Date.UTC(2020, 0, 1));
const NOT_AFTER = new Date(Date.UTC(2120, 0, 1));
const SERIAL_BYTES = 16;
const ID_PATTERN = /^[a-z2-7]{51}[aq]$/;
const SHORT_ID_LENGTH = 8;
const ED25519 = { name: "Ed25519" };
const NEW_IDENTITY_ADVICE = "peers that pinned the old identity will refuse the new one";

/** Makes a fresh identity: a new Ed25519 key pair and its certificate. */
export async function createIdentity(): Promise<Identity> {
  const keys = await crypto.subtle.generateKey(ED25519, true, ["sign", "verify"]) as CryptoKeyPair;
  return await identityOf(keys);
}

/**
 * Loads the identity kept in `dir` (`identity.key`, `identity.crt`), making
 * one at first start (the folder too if missing). The key is written first,
 * so a crash in between leaves a key without a certificate, which is then
 * remade from the key with the same ID. A damaged file, a certificate that
 * does not match the key, or a certificate without its key throws an error
 * that names the file and what to do. Two processes must not make an
 * identity in one folder at once: callers hold the folder's lock.
 */
export async function loadOrCreateIdentity(dir: string): Promise<Identity> {
  const keyPath = join(dir, KEY_FILE);
  const certificatePath = join(dir, CERTIFICATE_FILE);
  const keyPem = await readTextFileIfExists(keyPath);
  const certPem = await readTextFileIfExists(certificatePath);
  if (keyPem === undefined) {
    if (certPem !== undefined) {
      throw new Error(
        `${keyPath} is missing, so the identity in ${certificatePath} is lost; restore the key ` +
          `from a backup, or delete ${certificatePath} to make a new identity (${NEW_IDENTITY_ADVICE})`,
      );
    }
    await Deno.mkdir(dir, { recursive: true });
    const identity = await createIdentity();
    await writePrivateFile(keyPath, identity.keyPem);
    await writePrivateFile(certificatePath, identity.certPem);
    return identity;
  }
  const keys = await importKeyPem(keyPem, keyPath);
  if (certPem === undefined) {
    const identity = await identityOf(keys);
    await writePrivateFile(certificatePath, identity.certPem);
    return identity;
  }
  const certificate = parseCertificatePem(certPem, certificatePath);
  const keySpki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  if (!equalBytes(spkiOf(certificate), keySpki)) {
    throw new Error(
      `${certificatePath} does not belong to ${keyPath}; delete ${certificatePath} ` +
        `to have it remade from the key (the identity stays the key's)`,
    );
  }
  const id = idOfSpki(keySpki);
  if (certificate.subjectAltName !== `DNS:${tlsName(id)}`) {
    const identity = await identityOf(keys);
    await writePrivateFile(certificatePath, identity.certPem);
    return identity;
  }
  return { id, certPem, keyPem };
}

/**
 * The DNS name in the certificate of identity `id`, `ID.p2pft.invalid`,
 * which a dialer asks TLS to check. `.invalid` is reserved (RFC 6761): no
 * certificate authority may certify a name under it, so only the pinned
 * certificate itself can carry it.
 */
export function tlsName(id: string): string {
  return `${id}.p2pft.invalid`;
}

/**
 * The ID of a DER certificate (as `getPeerCertificate(true).raw` gives it):
 * SHA-256 over its SubjectPublicKeyInfo, lowercase base32 without padding
 * (52 characters). Throws when `der` is not a certificate.
 */
export function idOfCertificate(der: Uint8Array): string {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(der);
  } catch {
    throw new Error("not a valid X.509 certificate (DER)");
  }
  return idOfSpki(spkiOf(certificate));
}

/** The first 8 characters of an ID: enough to tell peers apart in logs and instance names. */
export function shortId(id: string): string {
  return id.slice(0, SHORT_ID_LENGTH);
}

/** Whether `text` is an ID exactly as `idOfCertificate` writes it (52 lowercase base32 characters). */
export function isId(text: string): boolean {
  return ID_PATTERN.test(text);
}

async function identityOf(keys: CryptoKeyPair): Promise<Identity> {
  const serial = crypto.getRandomValues(new Uint8Array(SERIAL_BYTES));
  serial[0] = (serial[0] & 0x3f) | 0x40; // positive and minimally encoded in DER
  const id = idOfSpki(new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey)));
  const certificate = await selfSignedCertificate(keys, {
    serial,
    commonName: COMMON_NAME,
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    dnsName: tlsName(id),
  });
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", keys.privateKey));
  return {
    id,
    certPem: encodePem(certificate, "CERTIFICATE") + "\n",
    keyPem: encodePem(pkcs8, "PRIVATE KEY") + "\n",
  };
}

async function importKeyPem(pem: string, path: string): Promise<CryptoKeyPair> {
  try {
    const privateKey = await crypto.subtle.importKey(
      "pkcs8",
      decodePem(pem, "PRIVATE KEY"),
      ED25519,
      true,
      [
        "sign",
      ],
    );
    const { kty, crv, x } = await crypto.subtle.exportKey("jwk", privateKey);
    const publicKey = await crypto.subtle.importKey("jwk", { kty, crv, x }, ED25519, true, [
      "verify",
    ]);
    return { privateKey, publicKey };
  } catch {
    throw new Error(
      `${path} is not an Ed25519 private key (PKCS#8 PEM); restore it from a backup, or delete ` +
        `it and ${CERTIFICATE_FILE} beside it to make a new identity (${NEW_IDENTITY_ADVICE})`,
    );
  }
}

function parseCertificatePem(pem: string, path: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new Error(
      `${path} is not a valid certificate (PEM); delete it to have it remade from ${KEY_FILE} ` +
        `(the identity stays the same)`,
    );
  }
}

function spkiOf(certificate: X509Certificate): Uint8Array {
  return new Uint8Array(certificate.publicKey.export({ type: "spki", format: "der" }));
}

function idOfSpki(spki: Uint8Array): string {
  return encodeBase32(new Uint8Array(createHash("sha256").update(spki).digest()));
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}
