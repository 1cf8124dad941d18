import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { createIdentity } from "./identity.ts";
import { signIdentity, verifyIdentity } from "./identity_proof.ts";

const dialer = await createIdentity();
const listener = await createIdentity();
const context = {
  listenerId: listener.id,
  dialerNonce: new Uint8Array(16).fill(1),
  listenerNonce: new Uint8Array(16).fill(2),
};
const der = (identity: typeof dialer) => new Uint8Array(new X509Certificate(identity.certPem).raw);

Deno.test("a dialer's signature proves its ID for this listener and these nonces", () => {
  const signature = signIdentity(dialer, context);
  assert.equal(verifyIdentity(der(dialer), { context, signature }), dialer.id);
});

Deno.test("a signature for another listener, other nonces or another key does not verify", () => {
  const signature = signIdentity(dialer, context);
  for (
    const other of [
      { ...context, listenerId: dialer.id },
      { ...context, dialerNonce: new Uint8Array(16).fill(3) },
      { ...context, listenerNonce: new Uint8Array(16).fill(4) },
    ]
  ) {
    assert.throws(
      () => verifyIdentity(der(dialer), { context: other, signature }),
      /does not verify/,
    );
  }
  assert.throws(
    () => verifyIdentity(der(listener), { context, signature }),
    /does not verify/,
    "someone else's certificate with the dialer's signature",
  );
  assert.throws(() => verifyIdentity(new Uint8Array(10), { context, signature }), /certificate/);
});
