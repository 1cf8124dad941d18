import assert from "node:assert/strict";
import {
  acceptsToken,
  cookieValue,
  hostAllowed,
  hostName,
  newToken,
  requestToken,
  sameSecret,
} from "./access.ts";

Deno.test("newToken gives 128 random bits in base64url", () => {
  const token = newToken();
  assert.deepEqual(token.length, 22);
  assert(/^[A-Za-z0-9_-]+$/.test(token));
  assert(token !== newToken());
});

Deno.test("sameSecret compares whole strings", () => {
  assert(sameSecret("abc", "abc"));
  assert.ok(!sameSecret("abd", "abc"));
  assert.ok(!sameSecret("ab", "abc"));
  assert.ok(!sameSecret("abcd", "abc"));
  assert.ok(!sameSecret("", "abc"));
  assert(sameSecret("", ""));
});

Deno.test("acceptsToken accepts any of the secrets, never a missing token", () => {
  assert(acceptsToken("k", ["t", "k"]));
  assert.ok(!acceptsToken("x", ["t", "k"]));
  assert.ok(!acceptsToken(undefined, ["t"]));
});

Deno.test("requestToken reads the bearer header, the query, then the cookie", () => {
  const url = "http://127.0.0.1:1/api/state";
  assert.deepEqual(
    requestToken(new Request(url, { headers: { authorization: "Bearer b1" } })),
    "b1",
  );
  assert.deepEqual(requestToken(new Request(`${url}?token=q1`)), "q1");
  const cookie = { cookie: "other=1; p2pft_web=c1; x=y" };
  assert.deepEqual(requestToken(new Request(url, { headers: cookie })), "c1");
  assert.deepEqual(requestToken(new Request(url)), undefined);
  assert.deepEqual(cookieValue("a=1;b = 2", "b"), "2");
});

Deno.test("hostAllowed takes IP literals, localhost and the given names only", () => {
  assert(hostAllowed("127.0.0.1:8080"));
  assert(hostAllowed("[::1]:8080"));
  assert(hostAllowed("192.168.1.20"));
  assert(hostAllowed("localhost:8080"));
  assert(hostAllowed("MyBox.local:80", ["mybox.local"]));
  assert.ok(!hostAllowed("evil.example:8080"));
  assert.ok(!hostAllowed("127.0.0.1.evil.example"));
  assert.ok(!hostAllowed("999.1.1.1"));
  assert.ok(!hostAllowed(null));
  assert.ok(!hostAllowed(""));
  assert.deepEqual(hostName("[fe80::1]:9"), "fe80::1");
});
