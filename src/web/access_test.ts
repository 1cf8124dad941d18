import assert from "node:assert/strict";
import {
  acceptedToken,
  cookieValue,
  hostAllowed,
  hostName,
  newToken,
  requestTokens,
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

Deno.test("acceptedToken finds a valid one among those given, never among none", () => {
  assert.equal(acceptedToken(["x", "k"], ["t", "k"]), "k");
  assert.equal(acceptedToken(["x"], ["t", "k"]), undefined);
  assert.equal(acceptedToken([], ["t"]), undefined);
});

Deno.test("requestTokens reads the bearer header, the query and the cookie", () => {
  const url = "http://127.0.0.1:1/api/state";
  const headers = { authorization: "Bearer b1", cookie: "other=1; p2pft_web=c1; x=y" };
  assert.deepEqual(requestTokens(new Request(`${url}?token=q1`, { headers })), ["b1", "q1", "c1"]);
  assert.deepEqual(requestTokens(new Request(url)), []);
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
