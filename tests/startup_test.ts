import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { fileURLToPath } from "node:url";

/** The repository root, where `deno info` finds deno.json. */
const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Packages and modules only some runs need, loaded by an `import()` where
 * they are used: a start that loaded them statically would pay for them in
 * every process (the Redis client alone was a fifth of it).
 */
const LAZY_PACKAGES = [
  "@redis/client",
  "hono",
  "multicast-dns",
  "qrcode",
  "qrcode-terminal",
];
const LAZY_MODULES = ["src/cli/peer_shell.ts", "src/cli/server_shell.ts", "src/web/app.ts"];

/** An import of the module graph: what it names, and whether by `import()`. */
interface Edge {
  to: string;
  dynamic: boolean;
}

/** main.ts's module graph as `deno info --json` gives it: each module's code imports. */
async function moduleGraph(): Promise<{ root: string; edges: Map<string, Edge[]> }> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "main.ts"],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!info.success) throw new Error(new TextDecoder().decode(info.stderr));
  const graph = JSON.parse(new TextDecoder().decode(info.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const edges = new Map(graph.modules.map((module) => [
    module.specifier,
    (module.dependencies ?? []).flatMap((dependency) =>
      dependency.code ? [{ to: dependency.code.specifier, dynamic: !!dependency.isDynamic }] : []
    ),
  ]));
  return { root: graph.roots[0], edges };
}

/** Every specifier reached from the root, through static imports only unless `dynamic`. */
function reached(
  graph: { root: string; edges: Map<string, Edge[]> },
  dynamic: boolean,
): Set<string> {
  const seen = new Set([graph.root]);
  const pending = [graph.root];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    for (const edge of graph.edges.get(next) ?? []) {
      if ((dynamic || !edge.dynamic) && !seen.has(edge.to)) {
        seen.add(edge.to);
        pending.push(edge.to);
      }
    }
  }
  return seen;
}

/** The lazy packages and modules among `specifiers`, by name. */
function lazyOnes(specifiers: Set<string>): string[] {
  const packages = [...specifiers]
    .map((specifier) => /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)/.exec(specifier)?.[1])
    .filter((name): name is string => name !== undefined && LAZY_PACKAGES.includes(name));
  const modules = LAZY_MODULES.filter((path) =>
    specifiers.has(new URL(path, `file://${ROOT}`).href)
  );
  return [...new Set([...packages, ...modules])].sort();
}

Deno.test("a start loads statically none of the packages and modules only some runs need", async () => {
  assertEquals(lazyOnes(reached(await moduleGraph(), false)), []);
});

Deno.test("each of them is an import() of a literal, so deno compile still includes it", async () => {
  assertEquals(
    lazyOnes(reached(await moduleGraph(), true)),
    [...LAZY_PACKAGES, ...LAZY_MODULES].sort(),
  );
});
