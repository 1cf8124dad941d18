/**
 * The unambiguous encoding of what a proof or signature covers: fields that
 * cannot run into each other, whatever they hold.
 *
 * @module
 */

/** Each field as a 4-byte big-endian length followed by its bytes. */
export function lengthPrefixed(fields: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const total = fields.reduce((sum, field) => sum + 4 + field.length, 0);
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  let offset = 0;
  for (const field of fields) {
    view.setUint32(offset, field.length);
    bytes.set(field, offset + 4);
    offset += 4 + field.length;
  }
  return bytes;
}
