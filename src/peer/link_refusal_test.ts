import assert from "node:assert/strict";
import { ConnectionClosedError } from "../protocol/connection.ts";
import { MembershipError } from "../protocol/handshake.ts";
import { isFatalLinkError, ServerIdentityError } from "./link_refusal.ts";

Deno.test("a refused key or a changed server identity ends the link; other failures are retried", () => {
  assert.ok(isFatalLinkError(new MembershipError("wrong network key")));
  assert.ok(isFatalLinkError(new ServerIdentityError("the server changed identity")));
  assert.ok(!isFatalLinkError(new ConnectionClosedError("127.0.0.1:1")));
  assert.ok(!isFatalLinkError(new Deno.errors.ConnectionRefused("refused")));
  assert.ok(!isFatalLinkError("refused"));
});
