import assert from "node:assert/strict";
import { CALLER_FOLDER_VARIABLE, enterCallerFolder } from "./caller_folder.ts";

Deno.test("the program moves to the folder deno task was run from, when the task says", () => {
  const moves: string[] = [];
  const chdir = (folder: string) => void moves.push(folder);
  const env = (name: string) => name === CALLER_FOLDER_VARIABLE ? "/home/me/photos" : undefined;
  assert.equal(enterCallerFolder({ env, chdir }), "/home/me/photos");
  assert.equal(enterCallerFolder({ env: () => undefined, chdir }), undefined);
  assert.equal(enterCallerFolder({ env: () => "", chdir }), undefined);
  assert.deepEqual(moves, ["/home/me/photos"]);
});

Deno.test("a folder that cannot be entered is named in the error", () => {
  assert.throws(
    () =>
      enterCallerFolder({
        env: () => "/gone",
        chdir: () => {
          throw new Deno.errors.NotFound("No such file or directory (os error 2)");
        },
      }),
    /^Error: cannot work in \/gone, the folder given in P2PFT_CWD \(No such file/,
  );
});
