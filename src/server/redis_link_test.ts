import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { freePort } from "../../tests/helpers/cluster.ts";
import { hasRedisServer, startRedis } from "../../scripts/redis_server.ts";
import { RedisLink, RedisUnreachableError } from "./redis_link.ts";

const ignore = !hasRedisServer();

/** Resolves once `check` holds; fails after `ms`. */
async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("a Redis that is not there is an error that says what to do", async () => {
  const url = `redis://127.0.0.1:${freePort()}`;
  const lines: string[] = [];
  const log = createLogger("redis", { level: "info", sink: (line) => lines.push(line) });
  await assert.rejects(
    RedisLink.open(url, { channel: "c", onMessage: () => {}, log }),
    (error) =>
      error instanceof RedisUnreachableError &&
      /cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ .*start redis-server there, or give .*--redis redis:\/\/HOST:PORT/
        .test(error.message),
  );
  assert.deepEqual(lines, [], "the error says it all; no line about a lost Redis");
});

Deno.test({
  name: "a link publishes and hears, says once that Redis is lost, and is told when it is back",
  ignore,
  async fn() {
    await using redis = await startRedis();
    const heard: string[] = [];
    const lines: string[] = [];
    let back = 0;
    const link = await RedisLink.open(redis.url, {
      channel: "c",
      onMessage: (message) => heard.push(message),
      onBack: () => back++,
      log: createLogger("redis", { level: "info", sink: (line) => lines.push(line) }),
    });
    try {
      assert.equal(await link.publish("c", "one"), true);
      await until(() => heard.length === 1, "the first message");
      await redis.kill();
      await until(() => !link.up, "the loss to be seen");
      assert.equal(await link.publish("c", "lost"), false);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.restart();
      await until(() => back === 1 && link.up, "Redis to be back");
      // The subscriber may come back a moment after the command connection.
      for (let attempt = 0; !heard.includes("two"); attempt++) {
        assert.ok(attempt < 100, "the subscription is back");
        await link.publish("c", "two");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.deepEqual([...new Set(heard)], ["one", "two"]);
      const warnings = lines.filter((line) => line.includes("WARN"));
      assert.equal(warnings.length, 1, lines.join("\n"));
      assert.match(warnings[0], /lost Redis at redis:\/\/127\.0\.0\.1:\d+ .*serving this replica/);
      assert.ok(
        lines.some((line) => /Redis at .* is back: resyncing/.test(line)),
        lines.join("\n"),
      );
    } finally {
      await link.close();
    }
  },
});
