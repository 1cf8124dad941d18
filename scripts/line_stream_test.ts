import assert from "node:assert/strict";
import { LineStream } from "./line_stream.ts";

/** A stream that yields `chunks` as UTF-8 and ends. */
function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((chunk) => encoder.encode(chunk)));
}

Deno.test("lines split across chunks are joined, and a last line without a newline is kept", async () => {
  const stream = new LineStream(streamOf(["one\ntw", "o\n", "three"]));
  await stream.ended;
  assert.deepEqual(stream.lines, ["one", "two", "three"]);
  assert.equal(stream.text, "one\ntwo\nthree");
});

Deno.test("a parser's value is what a wait for a line resolves to, first match only", async () => {
  const stream = new LineStream(streamOf(["port 1\n", "port 2\n"]));
  await stream.ended;
  const parse = (line: string) => /^port (\d+)$/.exec(line)?.[1] ?? null;
  assert.equal((await stream.waitForLine(parse)).value, "1");
  assert.deepEqual((await stream.waitForCount(/^port \d$/, { count: 2 })).map((m) => m[0]), [
    "port 1",
    "port 2",
  ]);
});

Deno.test("a wait for a line that never came fails at once once the stream has ended", async () => {
  const stream = new LineStream(streamOf(["one\n"]));
  await stream.ended;
  await assert.rejects(
    stream.waitForLine((line) => line === "two" ? line : null, 60_000),
    /output ended without the expected line:\none/,
  );
});
