import assert from "node:assert/strict";
import { byName, FileListing, type FileMatch, type Listed, type Page } from "./file_listing.ts";

function listing(names: string[], ids: string[]): FileListing<Listed> {
  const files = new FileListing<Listed>();
  names.forEach((name, i) => files.add({ fileId: ids[i], manifest: { name } }));
  return files;
}

Deno.test("files by ID prefix or name prefix: a range of the sorted index, paged, with its total", () => {
  const names = ["beta.txt", "Alpha.txt", "alpha.bin", "alps.iso", "zeta", "am.txt"];
  const ids = ["abcd", "abce", "abd0", "ff00", "abcd9", "ee00"].map((start) =>
    start.padEnd(64, "1")
  );
  const files = listing(names, ids);
  const named = (match: FileMatch, page: Page = {}) => {
    const listed = files.page(page, match);
    return [listed.entries.map((file) => file.manifest.name), listed.total];
  };
  assert.deepEqual(named({ namePrefix: "al" }), [["alpha.bin", "alps.iso"], 2]);
  assert.deepEqual(named({ namePrefix: "alp" }, { offset: 1, limit: 5 }), [["alps.iso"], 2]);
  assert.deepEqual(named({ namePrefix: "A" }), [["Alpha.txt"], 1], "name prefixes are exact");
  assert.deepEqual(named({ namePrefix: "q" }), [[], 0]);
  assert.deepEqual(named({ idPrefix: "ABC" }), [["beta.txt", "zeta", "Alpha.txt"], 3]);
  assert.deepEqual(named({ idPrefix: "abc" }, { limit: 1 }), [["beta.txt"], 3]);
  assert.deepEqual(named({ idPrefix: "abc" }, { offset: 5 }), [[], 3]);
  assert.deepEqual(named({ idPrefix: "" }).at(1), 6);
  assert.deepEqual(named({}).at(1), 6);
  for (const [i, name] of names.entries()) files.delete({ fileId: ids[i], manifest: { name } });
  assert.equal(files.size, 0);
  assert.deepEqual(named({ namePrefix: "al" }), [[], 0], "deleted files leave every order");
});

Deno.test("a plain listing is by name as people sort them, paged", () => {
  const names = ["b", "B", "a", "c", "A"];
  const files = listing(names, ["1", "2", "3", "4", "5"]);
  const sorted = [...names].sort(byName);
  assert.deepEqual(files.page().entries.map((file) => file.manifest.name), sorted);
  assert.deepEqual(
    files.page({ offset: 1, limit: 2 }).entries.map((file) => file.manifest.name),
    sorted.slice(1, 3),
  );
  assert.equal(files.page({ offset: 1, limit: 2 }).total, 5);
  assert.ok(byName("a", "B") < 0, "not code-unit order, where B sorts first");
});
