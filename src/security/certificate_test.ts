import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { decodePem, encodePem, selfSignedCertificate } from "./certificate.ts";

// A throwaway Ed25519 key, and the certificate @peculiar/x509 1.14 made of it
// with the serial below (Ed25519 signatures are deterministic, so the same
// key and fields give the same bytes).
const KEY_PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEILFLV/77EL+3lYz8ITVzy5oaoBU5Lmruf2atU59FGXaK
-----END PRIVATE KEY-----`;
const LIBRARY_CERTIFICATE_PEM = `-----BEGIN CERTIFICATE-----
MIHvMIGioAMCAQICEFOG6eJu3ztLnVgxRgxteL8wBQYDK2VwMBAxDjAMBgNVBAMT
BXAycGZ0MCAXDTIwMDEwMTAwMDAwMFoYDzIxMjAwMTAxMDAwMDAwWjAQMQ4wDAYD
VQQDEwVwMnBmdDAqMAUGAytlcAMhAGDeVejqnLrpp+Cv/82/ikCSFWF5IGcWDj+2
Lj30MPWeoxAwDjAMBgNVHRMBAf8EAjAAMAUGAytlcANBAEah9bs3SiU/BvmTilHV
Nbj0JdrcUYDioF+PoTBZjP2LF3/xgsew9K2ewaDwK/N3YRGEMdu95Rv3w0AYTbqZ
YAs=
-----END CERTIFICATE-----`;
const SERIAL = "5386e9e26edf3b4b9d5831460c6d78bf";

async function keysOf(pem: string): Promise<CryptoKeyPair> {
  const privateKey = await crypto.subtle.importKey(
    "pkcs8",
    decodePem(pem, "PRIVATE KEY"),
    {
      name: "Ed25519",
    },
    true,
    ["sign"],
  );
  const { kty, crv, x } = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty, crv, x },
    { name: "Ed25519" },
    true,
    [
      "verify",
    ],
  );
  return { privateKey, publicKey };
}

function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));
}

Deno.test("the certificate is byte for byte the one the x509 library made of the same key and serial", async () => {
  const der = await selfSignedCertificate(await keysOf(KEY_PEM), {
    serial: bytesOfHex(SERIAL),
    commonName: "p2pft",
    notBefore: new Date(Date.UTC(2020, 0, 1)),
    notAfter: new Date(Date.UTC(2120, 0, 1)),
  });
  assert.equal(encodePem(der, "CERTIFICATE"), LIBRARY_CERTIFICATE_PEM);
});

Deno.test("times through 2049 are UTCTime, later ones GeneralizedTime, both read back the same", async () => {
  const notBefore = new Date(Date.UTC(2049, 11, 31, 23, 59, 58));
  const notAfter = new Date(Date.UTC(2050, 0, 1, 0, 0, 1));
  const keys = await crypto.subtle.generateKey("Ed25519", true, [
    "sign",
    "verify",
  ]) as CryptoKeyPair;
  const der = await selfSignedCertificate(keys, {
    serial: bytesOfHex("7f01"),
    commonName: "a b",
    notBefore,
    notAfter,
  });
  const certificate = new X509Certificate(der);
  assert.equal(new Date(certificate.validFrom).getTime(), notBefore.getTime());
  assert.equal(new Date(certificate.validTo).getTime(), notAfter.getTime());
  assert.equal(certificate.subject, "CN=a b");
  assert.equal(certificate.serialNumber.toLowerCase(), "7f01");
  assert.ok(certificate.verify(certificate.publicKey));
});

Deno.test("PEM: a block reads back as written, the first of its label; none is an error", () => {
  const bytes = crypto.getRandomValues(new Uint8Array(100));
  const pem = encodePem(bytes, "PRIVATE KEY");
  assert.deepEqual(pem.split("\n").map((line) => line.length), [27, 64, 64, 8, 25]);
  assert.deepEqual(
    decodePem(`${encodePem(bytes.slice(1), "CERTIFICATE")}\n${pem}\r\n`, "PRIVATE KEY"),
    bytes,
  );
  assert.throws(
    () => decodePem(encodePem(bytes, "CERTIFICATE"), "PRIVATE KEY"),
    /no PRIVATE KEY block/,
  );
});
