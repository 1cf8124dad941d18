import assert from "node:assert/strict";
import { defaultPeerDataDir, userDataRoot } from "./data_dir.ts";

const env = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("the data root follows each OS's convention", () => {
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u" }) }),
    "/home/u/.local/share/p2pft",
  );
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u", XDG_DATA_HOME: "/data" }) }),
    "/data/p2pft",
  );
  assert.equal(
    userDataRoot({ os: "linux", env: env({ HOME: "/home/u", XDG_DATA_HOME: "relative" }) }),
    "/home/u/.local/share/p2pft",
    "a relative XDG_DATA_HOME is ignored, as the spec says",
  );
  assert.equal(
    userDataRoot({ os: "darwin", env: env({ HOME: "/Users/u" }) }),
    "/Users/u/Library/Application Support/p2pft",
  );
  assert.match(
    userDataRoot({ os: "windows", env: env({ APPDATA: "C:\\Users\\u\\AppData\\Roaming" }) }),
    /AppData.Roaming.p2pft$/,
  );
});

Deno.test("each listen address gets its own folder; port 0 gets none", () => {
  const environment = { os: "linux" as const, env: env({ HOME: "/h" }) };
  assert.equal(
    defaultPeerDataDir({ host: "127.0.0.1", port: 8001 }, environment),
    "/h/.local/share/p2pft/peers/127.0.0.1-8001",
  );
  assert.equal(
    defaultPeerDataDir({ host: "::", port: 8002 }, environment),
    "/h/.local/share/p2pft/peers/__-8002",
  );
  assert.equal(defaultPeerDataDir({ host: "0.0.0.0", port: 0 }, environment), undefined);
});
