import assert from "node:assert/strict";
import { MAX_CONTROL_FRAME_BYTES } from "../constants.ts";
import { MAX_DATA_FRAME_BYTES } from "./constants.ts";
import { concat, memoryChannel, randomBytes } from "../../tests/helpers/bytes.ts";
import {
  DATA_HEADER_BYTES,
  encodeControlFrame,
  FRAME_CONTROL,
  FRAME_DATA,
  FrameReader,
  frameTooSlow,
  FrameWriter,
  looksLikeHttp,
  ProtocolError,
  READ_BUFFER_BYTES,
  writeDataHeader,
} from "./frame.ts";

function dataFrame(requestId: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(DATA_HEADER_BYTES + payload.length);
  writeDataHeader(frame, requestId, { length: payload.length });
  frame.set(payload, DATA_HEADER_BYTES);
  return frame;
}

function header(length: number, kind: number): Uint8Array {
  const bytes = new Uint8Array(5);
  new DataView(bytes.buffer).setUint32(0, length);
  bytes[4] = kind;
  return bytes;
}

Deno.test("control and data frames round-trip, the payload landing in the caller's buffer", async () => {
  const payload = randomBytes(100_000);
  for (const step of [Infinity, 7, 1]) {
    const reader = new FrameReader(memoryChannel(
      concat([
        encodeControlFrame({ t: "x", n: 1 }),
        dataFrame(42, payload),
        encodeControlFrame({}),
      ]),
      step,
    ));
    assert.deepEqual(await reader.next(), { kind: "control", message: { t: "x", n: 1 } });
    const data = await reader.next();
    assert.deepEqual(data, { kind: "data", requestId: 42, length: payload.length });
    const target = new Uint8Array(payload.length);
    await reader.readPayload(target);
    assert.deepEqual(target, payload);
    assert.deepEqual(await reader.next(), { kind: "control", message: {} });
    assert.equal(await reader.next(), null, "a clean end between frames");
  }
});

Deno.test("readPayload tells how much of the buffer is in after every read, up to all of it", async () => {
  const payload = randomBytes(10_000);
  for (const step of [Infinity, 777]) {
    const reader = new FrameReader(memoryChannel(dataFrame(3, payload), step));
    await reader.next();
    const target = new Uint8Array(payload.length);
    const seen: number[] = [];
    await reader.readPayload(target, (filled) => {
      assert.deepEqual(
        target.subarray(0, filled),
        payload.subarray(0, filled),
        "those bytes are in",
      );
      seen.push(filled);
    });
    assert.equal(seen.at(-1), payload.length);
    assert.ok(seen.every((filled, i) => i === 0 || filled > seen[i - 1]), "it only grows");
    if (step !== Infinity) assert.ok(seen.length > payload.length / step, "once per read");
  }
});

Deno.test("a skipped payload leaves the stream aligned on the next frame", async () => {
  const reader = new FrameReader(memoryChannel(
    concat([dataFrame(1, new Uint8Array(5000)), encodeControlFrame({ t: "after" })]),
    333,
  ));
  await reader.next();
  await reader.skipPayload();
  assert.deepEqual(await reader.next(), { kind: "control", message: { t: "after" } });
});

Deno.test("oversized length fields are refused before anything is allocated", async () => {
  for (
    const [bytes, pattern] of [
      [header(MAX_CONTROL_FRAME_BYTES + 1, FRAME_CONTROL), /control frame of \d+ bytes exceeds/],
      [header(0xffff_ffff, FRAME_CONTROL), /exceeds/],
      [header(MAX_DATA_FRAME_BYTES + 1, FRAME_DATA), /data frame of \d+ bytes exceeds/],
    ] as const
  ) {
    const reader = new FrameReader(memoryChannel(bytes));
    await assert.rejects(reader.next(), (error: Error) => {
      assert.ok(error instanceof ProtocolError);
      assert.match(error.message, pattern);
      return true;
    });
  }
});

Deno.test("zero lengths, unknown kinds, bad JSON and truncation are protocol errors", async () => {
  const cases: [Uint8Array, RegExp][] = [
    [header(0, FRAME_CONTROL), /zero length/],
    [header(10, 9), /unknown frame kind 9/],
    [concat([header(4, FRAME_CONTROL), new TextEncoder().encode("{x}")]), /not valid UTF-8 JSON/],
    [concat([header(4, FRAME_CONTROL), new Uint8Array([0xff, 0xfe, 0x7b])]), /not valid UTF-8/],
    [concat([header(100, FRAME_CONTROL), new Uint8Array(10)]), /stream ended inside a frame/],
    [header(3, FRAME_DATA), /data frame too short/],
    [new Uint8Array([0, 0]), /stream ended inside a frame/],
  ];
  for (const [bytes, pattern] of cases) {
    const reader = new FrameReader(memoryChannel(bytes));
    await assert.rejects(reader.next(), pattern);
  }
  const truncated = new FrameReader(
    memoryChannel(dataFrame(1, new Uint8Array(50)).subarray(0, 30)),
  );
  const frame = await truncated.next();
  assert.equal(frame?.kind, "data");
  await assert.rejects(truncated.readPayload(new Uint8Array(50)), /inside a data payload/);
});

Deno.test("a plain HTTP request is recognised as such", async () => {
  assert.equal(looksLikeHttp(new TextEncoder().encode("GET / HTTP/1.1")), true);
  assert.equal(looksLikeHttp(new TextEncoder().encode("POST /x")), true);
  assert.equal(looksLikeHttp(encodeControlFrame({})), false);
  const reader = new FrameReader(
    memoryChannel(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
  );
  await assert.rejects(reader.next(), /plain HTTP request/);
});

Deno.test("payload size mismatches and unread payloads are caller errors", async () => {
  const reader = new FrameReader(
    memoryChannel(concat([dataFrame(1, new Uint8Array(10)), encodeControlFrame({})])),
  );
  await reader.next();
  await assert.rejects(reader.readPayload(new Uint8Array(9)), /payload is 10 bytes/);
  await assert.rejects(reader.next(), /not consumed/);
});

Deno.test("concurrent sends never interleave, even over short writes", async () => {
  const channel = memoryChannel(new Uint8Array());
  const writer = new FrameWriter(channel);
  const messages = Array.from({ length: 20 }, (_, i) => ({ t: "m", i, pad: "x".repeat(i * 50) }));
  await Promise.all(messages.map((message) => writer.sendControl(message)));
  const reader = new FrameReader(memoryChannel(concat(channel.written), 13));
  for (const message of messages) {
    assert.deepEqual(await reader.next(), { kind: "control", message });
  }
});

Deno.test("frames cross a real loopback TCP connection intact", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const payload = randomBytes(3 * 1024 * 1024 + 17);
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = await accepted;
  try {
    const writer = new FrameWriter(client);
    const sent = Promise.all([
      writer.sendControl({ t: "hello" }),
      writer.sendRaw(dataFrame(7, payload)),
    ]);
    const reader = new FrameReader(server);
    assert.deepEqual(await reader.next(), { kind: "control", message: { t: "hello" } });
    const frame = await reader.next();
    assert.deepEqual(frame, { kind: "data", requestId: 7, length: payload.length });
    const target = new Uint8Array(payload.length);
    await reader.readPayload(target);
    await sent;
    assert.deepEqual(target, payload);
  } finally {
    client.close();
    server.close();
    listener.close();
  }
});

Deno.test("a frame is too slow only past the grace time and under the floor rate", () => {
  const started = { startedAt: 1_000, bytes: 0 };
  assert.equal(frameTooSlow(undefined, 1_000_000), false, "no frame in progress");
  assert.equal(frameTooSlow(started, 1_000 + 9_000), false, "within the grace time");
  assert.equal(frameTooSlow({ ...started, bytes: 11 }, 1_000 + 11_000), true, "a trickle");
  assert.equal(frameTooSlow({ ...started, bytes: 64 * 1024, lastAt: 11_500 }, 12_000), false);
  const burst = { startedAt: 1_000, bytes: 1024 * 1024, lastAt: 2_000 };
  assert.equal(frameTooSlow(burst, 2_000 + 9_000), false, "a pause is allowed");
  assert.equal(frameTooSlow(burst, 2_000 + 11_000), true, "a burst, then silence");
});

Deno.test("a reader reports the frame in progress and how far it has come", async () => {
  const frame = dataFrame(7, randomBytes(100_000));
  let now = 5_000;
  const reader = new FrameReader(memoryChannel(frame, 30_000), { now: () => now });
  const next = await reader.next();
  assert.equal(next?.kind, "data");
  assert.equal(reader.progress, undefined, "no payload read yet");
  const target = new Uint8Array(100_000);
  const reading = reader.readPayload(target);
  const progress = reader.progress as { startedAt: number } | undefined;
  assert.equal(progress?.startedAt, 5_000);
  now = 6_000;
  await reading;
  assert.equal(reader.progress, undefined, "done");
});

Deno.test("control frames past the reader's limit are refused (small before authentication)", async () => {
  const big = encodeControlFrame({ t: "hello", pad: "x".repeat(5_000) });
  await assert.rejects(
    new FrameReader(memoryChannel(big), { maxControlBytes: 4096 }).next(),
    (error) => error instanceof ProtocolError && /exceeds the 4096-byte limit/.test(error.message),
  );
  const reader = new FrameReader(memoryChannel(big), { maxControlBytes: 4096 });
  reader.limitControl(MAX_CONTROL_FRAME_BYTES);
  assert.equal((await reader.next())?.kind, "control");
});

Deno.test("large control frames of any size arriving in pieces are read whole", async () => {
  for (const size of [300 * 1024, 600 * 1024, 3 * 1024 * 1024]) {
    const message = { t: "share", pad: "y".repeat(size) };
    const reader = new FrameReader(memoryChannel(encodeControlFrame(message), 100_000));
    assert.deepEqual(await reader.next(), { kind: "control", message }, `${size} bytes`);
  }
});

/** A channel that hands out `segments` one per read, recording where each read landed. */
function segmentChannel(segments: Uint8Array[]) {
  const reads: { offset: number; capacity: number }[] = [];
  const channel = memoryChannel(new Uint8Array(0));
  const pending = [...segments];
  channel.read = (buffer) => {
    reads.push({ offset: buffer.byteOffset, capacity: buffer.buffer.byteLength });
    const head = pending.shift();
    if (!head) return Promise.resolve(null);
    const count = Math.min(head.length, buffer.length);
    buffer.set(head.subarray(0, count));
    if (count < head.length) pending.unshift(head.subarray(count));
    return Promise.resolve(count);
  };
  return { channel, reads };
}

Deno.test("small frames reuse the front of a small buffer; a large one borrows storage and lets it go", async () => {
  const heartbeat = encodeControlFrame({ t: "heartbeat" });
  const large = encodeControlFrame({ t: "files", pad: "x".repeat(1024 * 1024) });
  const segments = [
    ...Array.from({ length: 1_000 }, () => heartbeat),
    large,
    ...Array.from({ length: 1_000 }, () => heartbeat),
  ];
  const { channel, reads } = segmentChannel(segments);
  const reader = new FrameReader(channel);
  for (let i = 0; i < 1_000; i++) assert.deepEqual(await reader.next(), heartbeatMessage());
  const before = reads.length;
  const frame = await reader.next();
  assert.equal((frame as { message: { pad: string } }).message.pad.length, 1024 * 1024);
  const borrowed = reads.slice(before).filter((read) => read.capacity > READ_BUFFER_BYTES);
  assert.ok(borrowed.length > 0, "the large frame was read into storage of its own");
  const during = reads.length;
  for (let i = 0; i < 1_000; i++) assert.deepEqual(await reader.next(), heartbeatMessage());
  assert.equal(await reader.next(), null);
  for (const read of [...reads.slice(0, before), ...reads.slice(during)]) {
    assert.equal(read.capacity, READ_BUFFER_BYTES, "between large frames only the small buffer");
    assert.equal(read.offset, 0, "each frame that arrives alone is read at the buffer's front");
  }
});

function heartbeatMessage() {
  return { kind: "control", message: { t: "heartbeat" } };
}
