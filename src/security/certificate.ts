/**
 * The self-signed certificate of an identity, written directly in DER, and
 * PEM both ways. Identities have one fixed shape (X.509 v3, Ed25519, the
 * same name as subject and issuer, one critical basicConstraints extension
 * saying "not a CA", and optionally one DNS name in a subjectAltName
 * extension), so a few lines of DER stand in for a certificate
 * library (@peculiar/x509), whose loading cost every process that makes an
 * identity about 0.07 CPU-seconds, a quarter of a peer's start.
 *
 * @module
 */

import { decodeBase64, encodeBase64 } from "../storage/base64.ts";

/** What a self-signed certificate says besides its key. */
export interface CertificateFields {
  /** Serial number, big-endian: positive and minimally encoded (first byte 0x01-0x7f). */
  serial: Uint8Array;
  /** Common name of subject and issuer, in PrintableString characters (`A-Za-z0-9 '()+,-./:=?`). */
  commonName: string;
  /** Start of the validity. */
  notBefore: Date;
  /** End of the validity. */
  notAfter: Date;
  /**
   * The DNS name the certificate is for (a subjectAltName extension), which
   * TLS checks against the name a client asks for; none when absent.
   */
  dnsName?: string;
}

const SEQUENCE = 0x30;
const SET = 0x31;
const INTEGER = 0x02;
const BIT_STRING = 0x03;
const OCTET_STRING = 0x04;
const OBJECT_IDENTIFIER = 0x06;
const BOOLEAN = 0x01;
const PRINTABLE_STRING = 0x13;
const UTC_TIME = 0x17;
const GENERALIZED_TIME = 0x18;
const VERSION_TAG = 0xa0;
const EXTENSIONS_TAG = 0xa3;

const X509_V3 = der(INTEGER, [2]);
const ED25519_ALGORITHM = der(SEQUENCE, der(OBJECT_IDENTIFIER, [0x2b, 0x65, 0x70])); // 1.3.101.112
const COMMON_NAME = der(OBJECT_IDENTIFIER, [0x55, 0x04, 0x03]); // 2.5.4.3
const BASIC_CONSTRAINTS = der(OBJECT_IDENTIFIER, [0x55, 0x1d, 0x13]); // 2.5.29.19
const SUBJECT_ALT_NAME = der(OBJECT_IDENTIFIER, [0x55, 0x1d, 0x11]); // 2.5.29.17
const DNS_NAME_TAG = 0x82; // GeneralName dNSName, [2] IMPLICIT IA5String
const TRUE = der(BOOLEAN, [0xff]);

/**
 * A self-signed X.509 v3 certificate (DER) of the Ed25519 `keys`, saying
 * `fields`; its signature is the private key's over the certificate body.
 */
export async function selfSignedCertificate(
  keys: CryptoKeyPair,
  fields: CertificateFields,
): Promise<Uint8Array<ArrayBuffer>> {
  const name = der(
    SEQUENCE,
    der(SET, der(SEQUENCE, COMMON_NAME, der(PRINTABLE_STRING, ascii(fields.commonName)))),
  );
  const extensions = [der(SEQUENCE, BASIC_CONSTRAINTS, TRUE, der(OCTET_STRING, der(SEQUENCE)))];
  if (fields.dnsName !== undefined) {
    const names = der(SEQUENCE, der(DNS_NAME_TAG, ascii(fields.dnsName)));
    extensions.push(der(SEQUENCE, SUBJECT_ALT_NAME, der(OCTET_STRING, names)));
  }
  const body = der(
    SEQUENCE,
    der(VERSION_TAG, X509_V3),
    der(INTEGER, fields.serial),
    ED25519_ALGORITHM,
    name,
    der(SEQUENCE, time(fields.notBefore), time(fields.notAfter)),
    name,
    new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey)),
    der(EXTENSIONS_TAG, der(SEQUENCE, ...extensions)),
  );
  const signature = await crypto.subtle.sign("Ed25519", keys.privateKey, body);
  return der(SEQUENCE, body, ED25519_ALGORITHM, der(BIT_STRING, [0], new Uint8Array(signature)));
}

/** `bytes` as a PEM block labelled `label`: base64 in lines of 64 characters, no final newline. */
export function encodePem(bytes: Uint8Array, label: string): string {
  const lines = encodeBase64(bytes).match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${label}-----`, ...lines, `-----END ${label}-----`].join("\n");
}

/** The bytes of the first block labelled `label` in PEM text; throws when there is none. */
export function decodePem(pem: string, label: string): Uint8Array<ArrayBuffer> {
  const block = new RegExp(`-----BEGIN ${label}-----([^-]*)-----END ${label}-----`).exec(pem);
  if (block === null) throw new Error(`no ${label} block in the PEM text`);
  return decodeBase64(block[1].replace(/\s/g, ""));
}

/** One DER element: `tag`, its length, and `parts` one after the other (under 64 KiB in all). */
function der(tag: number, ...parts: (Uint8Array | number[])[]): Uint8Array<ArrayBuffer> {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = length < 0x80
    ? [tag, length]
    : length < 0x100
    ? [tag, 0x81, length]
    : [tag, 0x82, length >> 8, length & 0xff];
  const element = new Uint8Array(header.length + length);
  element.set(header);
  let at = header.length;
  for (const part of parts) {
    element.set(part, at);
    at += part.length;
  }
  return element;
}

/** A time as RFC 5280 wants it: UTCTime through 2049, GeneralizedTime after. */
function time(date: Date): Uint8Array {
  const digits = date.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-T:]/g, "");
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050
    ? der(UTC_TIME, ascii(digits.slice(2)))
    : der(GENERALIZED_TIME, ascii(digits));
}

function ascii(text: string): number[] {
  return Array.from(text, (char) => char.charCodeAt(0));
}
