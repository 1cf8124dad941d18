import assert from "node:assert/strict";
import { ConnectionClosedError, RemoteError } from "../protocol/connection.ts";
import { MembershipError } from "../protocol/handshake.ts";
import { IdentityMismatchError, UnreachableError } from "../protocol/secure_channel.ts";
import { ProtocolError } from "../protocol/frame.ts";
import { TimeoutError } from "../protocol/timeouts.ts";
import { BadChunkError, DownloadError, failureKind } from "./download_failures.ts";
import { DECLINED_CODE } from "./seed_spread.ts";

Deno.test("failures are told apart by their class", () => {
  assert.equal(failureKind(new DownloadError("cannot write")), "fatal");
  assert.equal(failureKind(new BadChunkError("failed verification")), "bad-chunk");
  for (
    const error of [
      new ConnectionClosedError("10.0.0.1:1"),
      new TimeoutError("no answer from 10.0.0.1:1"),
      new Deno.errors.ConnectionRefused("refused"),
      new Deno.errors.ConnectionReset("reset"),
      new Deno.errors.BrokenPipe("broken pipe"),
      new Deno.errors.TimedOut("connection timed out"),
      new UnreachableError("10.0.0.1:1", "connect ECONNREFUSED"),
      new IdentityMismatchError("10.0.0.1:1", { expected: "a", seen: "b" }),
      new MembershipError("10.0.0.1:1 does not hold this network's key"),
      Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }),
    ]
  ) {
    assert.equal(failureKind(error), "lost", error.name);
  }
  assert.equal(failureKind(new ProtocolError("stream ended inside a data payload")), "refused");
  assert.equal(failureKind("not even an error"), "refused");
});

Deno.test("what a failure says does not change its kind", () => {
  const remote = new RemoteError({
    t: "error",
    code: "unavailable",
    message: "connection closed, timed out, no answer, refused",
  });
  assert.equal(failureKind(remote), "refused", "a peer's answer is not a lost connection");
  assert.equal(failureKind(new Error("connection closed")), "refused");
});

Deno.test("a seeder declining a chunk it just sent elsewhere is told apart by its code", () => {
  const declined = new RemoteError({ t: "error", code: DECLINED_CODE, message: "fetch it" });
  assert.equal(failureKind(declined), "declined");
});
