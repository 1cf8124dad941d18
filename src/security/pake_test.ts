import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import {
  checkConfirmation,
  confirmationTag,
  CpaceError,
  cpaceGenerator,
  cpaceKey,
  cpaceShare,
  generatorString,
  prefixFreeCat,
  prependLength,
  splitPrefixFree,
} from "./pake.ts";

const hex = (text: string) => new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "hex"));
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const utf8 = (text: string) => new TextEncoder().encode(text);

// The CPACE-RISTR255-SHA512 test vectors of draft-irtf-cfrg-cpace-21, appendix B.3
// (ristretto255 and SHA-512).
const vector = {
  password: utf8("Password"),
  context: {
    channel: hex("0b415f696e69746961746f720b425f726573706f6e646572"),
    session: hex("7e4b4791d6a8ef019b936c79fb7f2c57"),
  },
  generatorString: "11435061636552697374726574746f3235350850617373776f726464" + "00".repeat(100) +
    "180b415f696e69746961746f720b425f726573706f6e646572107e4b4791d6a8ef019b936c79fb7f2c57",
  generator: "222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56",
  ya: hex("da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08"),
  msgA: "20d6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b915703414461",
  yb: hex("d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d"),
  msgB: "203ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f725803414462",
  isk: "b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd" +
    "2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447",
};

Deno.test("prepend_len and prefix_free_cat match the draft's vectors", () => {
  assert.equal(toHex(prependLength(new Uint8Array())), "00");
  assert.equal(toHex(prependLength(utf8("1234"))), "0431323334");
  const long = prependLength(Uint8Array.from({ length: 128 }, (_, i) => i));
  assert.equal(toHex(long.subarray(0, 3)), "800100");
  assert.equal(long.length, 130);
  assert.equal(
    toHex(prefixFreeCat(utf8("1234"), utf8("5"), new Uint8Array(), utf8("6789"))),
    "04313233340135000436373839",
  );
});

Deno.test("messages whose lengths do not add up are refused (the draft's invalid examples)", () => {
  for (const bad of ["ffffff", "ffff03", "00ffff03", "00ffffff"]) {
    assert.throws(() => splitPrefixFree(hex(bad)), CpaceError, bad);
  }
  assert.deepEqual(splitPrefixFree(hex("04313233340135")).map(toHex), ["31323334", "35"]);
});

Deno.test("the generator matches the ristretto255 test vector", () => {
  assert.equal(toHex(generatorString(vector.password, vector.context)), vector.generatorString);
  assert.equal(toHex(cpaceGenerator(vector.password, vector.context).toBytes()), vector.generator);
});

Deno.test("shares and the initiator/responder ISK match the ristretto255 test vector", () => {
  const a = cpaceShare(vector.password, vector.context, { data: utf8("ADa"), scalar: vector.ya });
  const b = cpaceShare(vector.password, vector.context, { data: utf8("ADb"), scalar: vector.yb });
  assert.equal(toHex(a.message), vector.msgA);
  assert.equal(toHex(b.message), vector.msgB);
  const keyA = cpaceKey(a, b.message, { context: vector.context, initiator: true });
  const keyB = cpaceKey(b, a.message, { context: vector.context, initiator: false });
  assert.equal(toHex(keyA), vector.isk);
  assert.equal(toHex(keyB), vector.isk);
});

Deno.test("an invalid element or the neutral element aborts (the draft's invalid inputs)", () => {
  const a = cpaceShare(vector.password, vector.context);
  const invalid = hex("2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c");
  for (const element of [invalid, new Uint8Array(32)]) {
    assert.throws(
      () =>
        cpaceKey(a, prefixFreeCat(element, new Uint8Array()), { ...options(), initiator: true }),
      CpaceError,
    );
  }
  assert.throws(
    () => cpaceKey(a, hex("05aabbccddee00"), { ...options(), initiator: true }),
    CpaceError,
  );
});

function options() {
  return { context: vector.context };
}

/** One run between two sides with their own passwords; the keys and whether each tag checks. */
function run(
  passwords: { a: string; b: string },
  contexts = { a: vector.context, b: vector.context },
) {
  const a = cpaceShare(utf8(passwords.a), contexts.a);
  const b = cpaceShare(utf8(passwords.b), contexts.b);
  const keyA = cpaceKey(a, b.message, { context: contexts.a, initiator: true });
  const keyB = cpaceKey(b, a.message, { context: contexts.b, initiator: false });
  return {
    a,
    b,
    keyA,
    keyB,
    aAcceptsB: checkConfirmation(keyA, {
      message: b.message,
      tag: confirmationTag(keyB, b.message),
    }),
    bAcceptsA: checkConfirmation(keyB, {
      message: a.message,
      tag: confirmationTag(keyA, a.message),
    }),
  };
}

Deno.test("the same password gives the same key, and each side's tag confirms it", () => {
  const result = run({ a: "copper-violet-river", b: "copper-violet-river" });
  assert.deepEqual(result.keyA, result.keyB);
  assert.ok(result.aAcceptsB && result.bAcceptsA);
});

Deno.test("a wrong password gives other keys, and the tags do not confirm", () => {
  const result = run({ a: "copper-violet-river", b: "copper-violet-rivet" });
  assert.notDeepEqual(result.keyA, result.keyB);
  assert.ok(!result.aAcceptsB && !result.bAcceptsA);
});

Deno.test("another channel identifier (another party's ID) gives another key, whatever the password", () => {
  const relayed = { channel: utf8("dialer\nrelay"), session: vector.context.session };
  const result = run({ a: "same", b: "same" }, { a: vector.context, b: relayed });
  assert.ok(!result.aAcceptsB && !result.bAcceptsA);
});

Deno.test("a transcript gives an eavesdropper nothing to test password guesses with", () => {
  const secret = "copper-violet-river";
  const { a, b, keyA } = run({ a: secret, b: secret });
  const tagB = confirmationTag(keyA, b.message);
  // Everything an eavesdropper sees: both messages and a tag. A guess can only
  // be tested by computing a key, which needs one side's secret scalar; with
  // a scalar of its own for the guessed generator it gets an unrelated key,
  // even for the right guess.
  for (const guess of [secret, "copper-violet-rivet", "abandon-ability-able"]) {
    const mine = cpaceShare(utf8(guess), vector.context);
    const key = cpaceKey(mine, b.message, { context: vector.context, initiator: true });
    assert.ok(!checkConfirmation(key, { message: b.message, tag: tagB }), guess);
    const other = cpaceKey(mine, a.message, { context: vector.context, initiator: false });
    assert.notDeepEqual(other, keyA, guess);
  }
  const shares = [a.message, b.message].map((message) => toHex(splitPrefixFree(message)[0]));
  assert.notEqual(shares[0], shares[1]);
  assert.ok(shares.every((share) => share !== vector.generator));
});

Deno.test("fresh shares differ on every run, even for one password", () => {
  const first = cpaceShare(utf8("p"), vector.context);
  const second = cpaceShare(utf8("p"), vector.context);
  assert.notEqual(toHex(first.message), toHex(second.message));
});
