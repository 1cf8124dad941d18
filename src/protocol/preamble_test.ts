import assert from "node:assert/strict";
import { PROGRAM_VERSION, PROTOCOL_VERSION } from "../constants.ts";
import { encodeControlFrame } from "./frame.ts";
import { classifyOpening, encodePreamble, openingProblem, PREAMBLE_BYTES } from "./preamble.ts";

Deno.test("classifyOpening tells p2pft preambles, v1 frames, HTTP and garbage apart", () => {
  assert.deepEqual(classifyOpening(encodePreamble(2)), { kind: "p2pft", version: 2 });
  assert.deepEqual(classifyOpening(encodePreamble(7)), { kind: "p2pft", version: 7 });
  assert.deepEqual(classifyOpening(encodeControlFrame({ t: "hello" }).subarray(0, 8)), {
    kind: "v1",
  });
  assert.deepEqual(classifyOpening(new TextEncoder().encode("POST /x ")), { kind: "http" });
  assert.deepEqual(classifyOpening(new Uint8Array(8).fill(0xff)), { kind: "foreign" });
});

Deno.test("a preamble is 8 bytes: the protocol name, a zero byte, then the version", () => {
  const bytes = encodePreamble(0x0102);
  assert.equal(bytes.length, PREAMBLE_BYTES);
  assert.deepEqual([...bytes], [...new TextEncoder().encode("P2PFT\0"), 1, 2]);
  assert.deepEqual(classifyOpening(encodePreamble()), { kind: "p2pft", version: PROTOCOL_VERSION });
});

Deno.test("only our own version passes; every other opening says what to do", () => {
  assert.equal(openingProblem({ kind: "p2pft", version: PROTOCOL_VERSION }), undefined);
  assert.equal(
    openingProblem({ kind: "p2pft", version: PROTOCOL_VERSION + 1 }),
    `the other side speaks protocol v${PROTOCOL_VERSION + 1}, this program ` +
      `(p2pft ${PROGRAM_VERSION}) speaks v${PROTOCOL_VERSION}: run the same p2pft version on both sides`,
  );
  assert.match(openingProblem({ kind: "v1" })!, /protocol v1 .*run the same p2pft version/);
  assert.match(openingProblem({ kind: "http" })!, /plain HTTP request/);
  assert.match(openingProblem({ kind: "foreign" })!, /does not speak the p2pft protocol/);
});
