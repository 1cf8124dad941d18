import assert from "node:assert/strict";
import { join } from "node:path";
import { createIdentity } from "./identity.ts";
import {
  formatNetworkKey,
  generateNetworkKey,
  keyFingerprint,
  loadOrCreateNetworkKey,
  memberProof,
  NETWORK_KEY_FILE,
  parseNetworkKey,
  type ProofContext,
  readKeyFile,
  verifyMemberProof,
} from "./network_key.ts";

function nonce(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(32));
}

async function someContext(): Promise<ProofContext> {
  const [dialer, listener] = await Promise.all([createIdentity(), createIdentity()]);
  return {
    role: "dialer",
    dialerId: dialer.id,
    listenerId: listener.id,
    dialerNonce: nonce(),
    listenerNonce: nonce(),
  };
}

Deno.test("a network key is p2pft- and 52 base32 characters, and its text round-trips", () => {
  const text = generateNetworkKey();
  assert.match(text, /^p2pft-[a-z2-7]{52}$/);
  const key = parseNetworkKey(text);
  assert.equal(key.length, 32);
  assert.equal(formatNetworkKey(key), text);
  assert.deepEqual(parseNetworkKey(`  ${text.toUpperCase()}\n`), key);
  assert.notEqual(generateNetworkKey(), text);
});

Deno.test("a bad network key text says what is wrong and where to find the key", () => {
  const good = generateNetworkKey();
  const cases: [string, RegExp][] = [
    ["", /it is empty/],
    ["  \n", /it is empty/],
    [good.slice("p2pft-".length), /does not start with p2pft-/],
    [good.slice(0, -1), /it has 57 characters, not 58/],
    [good + "a", /it has 59 characters, not 58/],
    [good.slice(0, -2) + "1a", /other than a-z and 2-7/],
    [good.slice(0, -1) + "7", /a wrong last one/],
  ];
  for (const [text, problem] of cases) {
    assert.throws(() => parseNetworkKey(text), problem, JSON.stringify(text));
    assert.throws(
      () => parseNetworkKey(text),
      /^Error: not a network key: .*; a network key looks like p2pft-… \(58 characters\); copy it from the server's start-up output or its data folder$/,
    );
  }
});

Deno.test("a member proof verifies with the same key and context", async () => {
  const key = parseNetworkKey(generateNetworkKey());
  const context = await someContext();
  const proof = await memberProof(key, context);
  assert.equal(proof.length, 32);
  assert.ok(await verifyMemberProof(key, context, proof));
  assert.deepEqual(await memberProof(key, { ...context }), proof);
});

Deno.test("a member proof fails with another key, role, ID or nonce, or when altered", async () => {
  const key = parseNetworkKey(generateNetworkKey());
  const context = await someContext();
  const proof = await memberProof(key, context);
  const { id: otherId } = await createIdentity();
  const variants: [string, Uint8Array, ProofContext][] = [
    ["other key", parseNetworkKey(generateNetworkKey()), context],
    ["reflected (listener role)", key, { ...context, role: "listener" }],
    ["swapped IDs", key, {
      ...context,
      dialerId: context.listenerId,
      listenerId: context.dialerId,
    }],
    ["other dialer", key, { ...context, dialerId: otherId }],
    ["other listener", key, { ...context, listenerId: otherId }],
    ["other dialer nonce", key, { ...context, dialerNonce: nonce() }],
    ["other listener nonce", key, { ...context, listenerNonce: nonce() }],
    ["swapped nonces", key, {
      ...context,
      dialerNonce: context.listenerNonce,
      listenerNonce: context.dialerNonce,
    }],
  ];
  for (const [name, otherKey, otherContext] of variants) {
    assert.equal(await verifyMemberProof(otherKey, otherContext, proof), false, name);
  }
  const altered = proof.slice();
  altered[0] ^= 1;
  assert.equal(await verifyMemberProof(key, context, altered), false, "altered");
  assert.equal(await verifyMemberProof(key, context, proof.subarray(0, 16)), false, "truncated");
  assert.equal(await verifyMemberProof(key, context, new Uint8Array()), false, "empty");
});

Deno.test("a member proof matches a vector computed independently (RFC 5869 HKDF, RFC 2104 HMAC)", async () => {
  const key = Uint8Array.from({ length: 32 }, (_, index) => index);
  const context: ProofContext = {
    role: "dialer",
    dialerId: "a".repeat(52),
    listenerId: "b".repeat(51) + "q",
    dialerNonce: new Uint8Array(16).fill(1),
    listenerNonce: new Uint8Array(16).fill(2),
  };
  const hex = (bytes: Uint8Array) =>
    Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(
    hex(await memberProof(key, context)),
    "84a48b8350a3577acd5c501ba78ae26a1d9fb6b34f3796322cc9cab01da2b944",
  );
  assert.equal(
    hex(await memberProof(key, { ...context, role: "listener" })),
    "de06dfb633722e2dde95727f7a2137bd23d388ef8628247e57d67cac336f5aee",
  );
});

Deno.test("the proof encoding is unambiguous: moving bytes between nonces changes it", async () => {
  const key = parseNetworkKey(generateNetworkKey());
  const context = await someContext();
  const joined = new Uint8Array([...context.dialerNonce, ...context.listenerNonce]);
  const shifted = {
    ...context,
    dialerNonce: joined.subarray(0, 33),
    listenerNonce: joined.subarray(33),
  };
  assert.notDeepEqual(await memberProof(key, shifted), await memberProof(key, context));
});

Deno.test("a member proof refuses short nonces, non-IDs and keys of the wrong length", async () => {
  const key = parseNetworkKey(generateNetworkKey());
  const context = await someContext();
  await assert.rejects(
    memberProof(key, { ...context, dialerNonce: new Uint8Array(15) }),
    /nonces of at least 16 bytes/,
  );
  await assert.rejects(
    memberProof(key, { ...context, listenerId: context.listenerId.slice(0, 8) }),
    /needs full IDs/,
  );
  await assert.rejects(memberProof(new Uint8Array(16), context), /32 bytes, not 16/);
});

Deno.test("the server's network key is made once with mode 0600 and the same after a reload", async () => {
  const root = await Deno.makeTempDir();
  try {
    const dir = join(root, "server");
    const key = await loadOrCreateNetworkKey(dir);
    assert.equal(await loadOrCreateNetworkKey(dir), key);
    const path = join(dir, NETWORK_KEY_FILE);
    assert.equal(await Deno.readTextFile(path), `${key}\n`);
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await readKeyFile(path), parseNetworkKey(key));
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("a damaged network.key fails with its path and what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, NETWORK_KEY_FILE);
    await Deno.writeTextFile(path, "p2pft-short\n");
    await assert.rejects(
      loadOrCreateNetworkKey(dir),
      new RegExp(
        `^Error: ${path} does not hold a network key: it has 11 characters, not 58; ` +
          "restore it from a backup, or delete it",
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a missing or bad key file fails with its path and what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "missing.key");
    await assert.rejects(
      readKeyFile(missing),
      new RegExp(`^Error: key file ${missing} does not exist; copy it from the server`),
    );
    const bad = join(dir, "bad.key");
    await Deno.writeTextFile(bad, "hunter2\n");
    await assert.rejects(
      readKeyFile(bad),
      new RegExp(`^Error: key file ${bad}: not a network key: it does not start with p2pft-`),
    );
    await assert.rejects(readKeyFile(dir), new RegExp(`^Error: cannot read key file ${dir}`));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a key fingerprint is short, stable, distinct per key, and not part of the key", () => {
  const text = generateNetworkKey();
  const key = parseNetworkKey(text);
  const fingerprint = keyFingerprint(key);
  assert.match(fingerprint, /^[a-z2-7]{8}$/);
  assert.equal(keyFingerprint(parseNetworkKey(text)), fingerprint);
  assert.notEqual(keyFingerprint(parseNetworkKey(generateNetworkKey())), fingerprint);
  assert.ok(!text.includes(fingerprint));
  assert.equal(keyFingerprint(new Uint8Array(32)), "yndd6exq"); // computed independently
});
