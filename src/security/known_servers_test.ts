import assert from "node:assert/strict";
import { join } from "node:path";
import { createIdentity } from "./identity.ts";
import { changedServerMessage, KnownServers } from "./known_servers.ts";

Deno.test("a server is new, then the same, then changed, and remembered across a reopen", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = join(root, "peer", "known_servers.json");
    const [first, second] = await Promise.all([createIdentity(), createIdentity()]);
    const known = await KnownServers.open(path);
    assert.equal(known.check("10.0.0.5:8000", first.id), "new");
    await known.remember("10.0.0.5:8000", first.id);
    assert.equal(known.check("10.0.0.5:8000", first.id), "same");
    assert.equal(known.check("10.0.0.5:8000", second.id), "changed");
    assert.equal(known.check("10.0.0.6:8000", first.id), "new");

    const reopened = await KnownServers.open(path);
    assert.equal(reopened.check("10.0.0.5:8000", first.id), "same");
    assert.equal(reopened.check("10.0.0.5:8000", second.id), "changed");
    assert.equal(reopened.get("10.0.0.5:8000"), first.id);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), { "10.0.0.5:8000": first.id });
    if (Deno.build.os !== "windows") assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("remember replaces an identity; forget removes it and says whether it was known", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "known_servers.json");
    const [first, second] = await Promise.all([createIdentity(), createIdentity()]);
    const known = await KnownServers.open(path);
    await known.remember("a:1", first.id);
    await known.remember("b:2", first.id);
    await known.remember("a:1", second.id);
    assert.equal(known.check("a:1", second.id), "same");
    assert.equal(await known.forget("a:1"), true);
    assert.equal(await known.forget("a:1"), false);
    const reopened = await KnownServers.open(path);
    assert.equal(reopened.check("a:1", second.id), "new");
    assert.equal(reopened.check("b:2", first.id), "same");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("remember refuses what is not a server ID", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const known = await KnownServers.open(join(dir, "known_servers.json"));
    await assert.rejects(known.remember("a:1", "abc"), /"abc": it is not a server ID/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a damaged known-servers file fails with its path and what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "known_servers.json");
    const { id } = await createIdentity();
    for (
      const text of ["{", "[]", "null", '{"a:1": 5}', '{"a:1": "not-an-id"}', `{"a:1": "${id}",}`]
    ) {
      await Deno.writeTextFile(path, text);
      await assert.rejects(
        KnownServers.open(path),
        new RegExp(`^Error: ${path} is damaged .*; fix it, or delete it to trust every server`),
        text,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the changed-server message names both identities, the file and what to do", () => {
  const details = {
    known: "k".repeat(52),
    seen: "s".repeat(52),
    file: "/home/u/known_servers.json",
  };
  const message = changedServerMessage("10.0.0.5:8000", details);
  assert.equal(
    message,
    [
      `the server at 10.0.0.5:8000 presented identity ${details.seen}, ` +
      `but identity ${details.known} was remembered for it`,
      `if that server was reinstalled or its data folder reset on purpose, remove the entry for ` +
      `"10.0.0.5:8000" from /home/u/known_servers.json and connect again`,
      `otherwise someone may be impersonating the server: do not connect`,
    ].join("\n"),
  );
  const withCommand = changedServerMessage("10.0.0.5:8000", {
    ...details,
    forgetCommand: "p2pft forget-server 10.0.0.5:8000",
  });
  assert.match(withCommand, /run `p2pft forget-server 10\.0\.0\.5:8000` \(or remove the entry/);
});
