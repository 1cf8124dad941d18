/**
 * A temporary folder for unit tests, removed with all it holds when the
 * test's `await using` scope ends, however the test ends:
 *
 * ```ts
 * await using dir = await tempDir();
 * await Deno.writeTextFile(join(dir.path, "a.txt"), "a");
 * ```
 *
 * @module
 */

/** A temporary folder that removes itself when disposed. */
export interface TempDir extends AsyncDisposable {
  /** Absolute path of the folder. */
  readonly path: string;
}

/** Creates an empty temporary folder. */
export async function tempDir(): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix: "p2pft-test-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}
