import assert from "node:assert/strict";
import { join } from "node:path";
import { createLogger } from "../log.ts";
import { Bitfield } from "../storage/bitfield.ts";
import { tempDir } from "../test_dir.ts";
import { finishPart, makeOutDir, openPart } from "./download_part.ts";

/** A place for `name` in the folder `outDir`, its log lines kept. */
function place(outDir: string, name: string, size: number) {
  const lines: string[] = [];
  const log = createLogger("d", { sink: (line) => lines.push(line), now: () => 0 });
  return { lines, place: { outDir, name, size, log } };
}

Deno.test("a new .part goes beside the first name where neither the file nor a .part is", async () => {
  await using dir = await tempDir();
  const { lines, place: here } = place(dir.path, "a.bin", 3);
  await Deno.writeTextFile(join(dir.path, "a.bin.part"), "not ours");
  await Deno.writeTextFile(join(dir.path, "a (1).bin"), "taken");
  const opened = await openPart(here);
  assert.equal(opened.path, join(dir.path, "a (2).bin"));
  assert.equal(opened.part.path, join(dir.path, "a (2).bin.part"));
  assert.equal(opened.resumed, false);
  assert.equal(await Deno.readTextFile(join(dir.path, "a.bin.part")), "not ours");
  assert.equal(await Deno.readTextFile(join(dir.path, "a (1).bin")), "taken");
  assert.match(
    lines.join("\n"),
    /a\.bin or its \.part is taken .*; downloading into a \(2\)\.bin\.part/,
  );
  const second = await openPart(here);
  assert.equal(second.path, join(dir.path, "a (3).bin"), "never the same .part twice");
  await Promise.all([opened.part.close(), second.part.close()]);
});

Deno.test("the journal's .part is taken up again; one that is gone is started afresh", async () => {
  await using dir = await tempDir();
  const { place: here } = place(dir.path, "a.bin", 3);
  const recorded = join(dir.path, "a (4).bin");
  await Deno.writeFile(`${recorded}.part`, new Uint8Array([7, 8, 9]));
  const resumed = await openPart(here, recorded);
  assert.deepEqual([resumed.path, resumed.resumed], [recorded, true]);
  const back = new Uint8Array(3);
  await resumed.part.read(0, back);
  assert.deepEqual([...back], [7, 8, 9]);
  await resumed.part.close();
  await Deno.remove(`${recorded}.part`);
  const fresh = await openPart(here, recorded);
  assert.deepEqual([fresh.path, fresh.resumed], [join(dir.path, "a.bin"), false]);
  await fresh.part.close();
});

Deno.test("a .part is renamed only when whole, to the first name free at the end", async () => {
  await using dir = await tempDir();
  const { lines, place: here } = place(dir.path, "a.bin", 2);
  const { part } = await openPart(here);
  const done = new Bitfield(1);
  await assert.rejects(finishPart(part, { ...here, done }), /is not whole \(2 of 2 bytes, 0 of 1/);
  done.set(0);
  await part.write(0, new Uint8Array([1, 2, 3]));
  await assert.rejects(finishPart(part, { ...here, done }), /is not whole \(3 of 2 bytes/);
  await Deno.truncate(part.path, 2);
  await Deno.writeTextFile(join(dir.path, "a.bin"), "a different a.bin");
  assert.equal(await finishPart(part, { ...here, done }), join(dir.path, "a (1).bin"));
  assert.deepEqual([...await Deno.readFile(join(dir.path, "a (1).bin"))], [1, 2]);
  assert.match(lines.join("\n"), /a different a\.bin exists in .*; saved as a \(1\)\.bin/);
});

Deno.test("the folder to save into is made with its parents; a file in the way is named", async () => {
  await using dir = await tempDir();
  const nested = join(dir.path, "a", "b");
  await makeOutDir(nested);
  await makeOutDir(nested);
  assert.ok((await Deno.stat(nested)).isDirectory);
  const file = join(dir.path, "file");
  await Deno.writeTextFile(file, "in the way");
  await assert.rejects(makeOutDir(file), /a file is in the way, not a folder; pick a folder/);
  await assert.rejects(makeOutDir(join(file, "below")), /a file is in the way/);
});
