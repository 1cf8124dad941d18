import assert from "node:assert/strict";
import {
  LookupError,
  MIN_PREFIX_LENGTH,
  type PrefixMatches,
  resolveFileId,
} from "./file_lookup.ts";

const ID_A = "abcd" + "0".repeat(60);
const ID_A2 = "abcd" + "9".repeat(60);
const ID_B = "abce" + "1".repeat(60);

/** The matches of each prefix among `ids` (sorted), the first three shown, as a listing gives them. */
function among(ids: string[]): (prefix: string) => PrefixMatches {
  return (prefix) => {
    const matches = ids.filter((id) => id.startsWith(prefix));
    return {
      entries: matches.slice(0, 3).map((fileId) => ({
        fileId,
        manifest: { name: `n${fileId[4]}` },
      })),
      total: matches.length,
    };
  };
}

/** Asserts that `query` fails with a {@linkcode LookupError} of `code` whose message matches `message`. */
function refused(
  query: string,
  expected: { code: string; message: RegExp },
  ids = [ID_A, ID_A2, ID_B],
) {
  assert.throws(() => resolveFileId(query, among(ids)), { name: "LookupError", ...expected });
}

Deno.test("a full ID, a unique prefix or an uppercase one, trimmed, names its file", () => {
  const matching = among([ID_A, ID_B]);
  assert.equal(resolveFileId(ID_A, matching), ID_A);
  assert.equal(resolveFileId("abcd", matching), ID_A);
  assert.equal(resolveFileId(" ABCE1 ", matching), ID_B);
});

Deno.test("an indexed ID wins over the longer IDs it starts", () => {
  const short = "a".repeat(MIN_PREFIX_LENGTH);
  assert.equal(resolveFileId(short, among([short, short + "0", short + "1"])), short);
});

Deno.test("ambiguous, unknown, short and non-hex queries fail clearly", () => {
  refused("abc", { code: "bad-query", message: /at least 4 hex digits/ });
  refused("abcx", { code: "bad-query", message: /not a file ID/ });
  refused("ab cd", { code: "bad-query", message: /not a file ID/ });
  refused("ffff", { code: "not-found", message: /no file with ID ffff/ });
  refused("abc" + "d".repeat(70), { code: "bad-query", message: /not a file ID/ });
  refused("abcd", {
    code: "ambiguous",
    message:
      /^prefix abcd matches 2 files \(abcd00000000 n0, abcd99999999 n9\.\.\.\): give more digits$/,
  });
  refused("abc", { code: "bad-query", message: /too short/ }, []);
  assert.ok(new LookupError("not-found", "gone") instanceof Error);
});
