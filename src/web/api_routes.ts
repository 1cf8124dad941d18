/**
 * The JSON API of a peer's web page: its state, the network's files and
 * peers, this peer's shared items (share a path, stop sharing) and its
 * downloads (start, stop keeping the partial file, resume, discard).
 *
 * @module
 */

import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Hono } from "hono";
import { errorMessage } from "../log.ts";
import type { ServedFile } from "../peer/library.ts";
import { keyFingerprint } from "../security/network_key.ts";
import { ApiError, downloadNumber, jsonBody, stringField } from "./api_errors.ts";
import { connected, type WebContext } from "./web_context.ts";
import { downloadView, fileView, matchesQuery, peerView, sharedView } from "./views.ts";

/** The routes under `/api` (but for events, uploads and the QR code). */
export function apiRoutes(context: WebContext): Hono {
  const { peer } = context;
  const app = new Hono();
  app.get("/state", (c) => c.json(stateView(context)));
  app.get("/files", async (c) => c.json({ files: await networkFiles(context, c.req.query("q")) }));
  app.get("/peers", async (c) => {
    await connected(peer);
    const peers = await peer.networkPeers();
    return c.json({ peers: peers.entries.map((p) => peerView(p, peer.peerId)), more: peers.cut });
  });
  app.get("/shared", (c) => c.json({ shared: peer.shared().map(sharedView) }));
  app.post("/shared", async (c) => {
    const path = localPath(stringField(await jsonBody(c.req.raw), "path"));
    const registered = await peer.register(path);
    context.changed("shared");
    context.changed("files");
    return c.json(sharedView(peer.served(registered.fileId)!), 201);
  });
  app.delete("/shared/:id", async (c) => {
    const query = c.req.param("id");
    let file: ServedFile;
    try {
      file = await peer.unshare(query);
    } catch (error) {
      throw sharesAny(peer.shared(), query) ? error : new ApiError(404, errorMessage(error));
    }
    context.changed("shared");
    context.changed("files");
    return c.json(sharedView(file));
  });
  app.get("/downloads", (c) => c.json({ downloads: downloadViews(context) }));
  app.post("/downloads", async (c) => {
    const query = stringField(await jsonBody(c.req.raw), "id");
    await connected(peer);
    const download = await peer.download(query, context.outDir);
    context.changed("downloads");
    return c.json(downloadView(download, context.meters), 201);
  });
  app.delete("/downloads/:n", async (c) => {
    const n = knownDownload(context, c.req.param("n"));
    const discard = c.req.query("discard");
    const download = discard === "1" || discard === "true"
      ? await peer.cancelDownload(n)
      : await peer.stopDownload(n);
    context.changed("downloads");
    return c.json(downloadView(download, context.meters));
  });
  app.post("/downloads/:n/resume", (c) => {
    const download = peer.resumeDownload(knownDownload(context, c.req.param("n")));
    context.changed("downloads");
    return c.json(downloadView(download, context.meters));
  });
  return app;
}

/** What `GET /api/state` answers: the peer, its server, and the page's settings. */
export function stateView(context: WebContext) {
  const { peer } = context;
  const status = peer.status();
  const key = peer.networkKey;
  return {
    peer: {
      id: status.peerId,
      fingerprint: key ? keyFingerprint(key) : null,
      listen: status.address,
      reachable: status.reachable ?? null,
      seenAs: status.seenAt ?? null,
      shared: status.shared,
      downloadsRunning: status.downloadsRunning,
      uploadedBytes: status.uploadedBytes,
      dataDir: peer.dataDir ?? null,
    },
    server: {
      address: status.server ?? null,
      connected: status.connected,
      lan: status.lan,
      refused: status.refused ?? null,
    },
    web: {
      uploadLimit: context.uploadLimit,
      uploadDir: context.uploadDir,
      downloadDir: context.outDir,
      urls: context.urls(),
    },
  };
}

/** The network's files whose ID starts with `query` or whose name holds it (all without one). */
export async function networkFiles(context: WebContext, query = "") {
  const { peer } = context;
  await connected(peer);
  const listing = await peer.networkFiles().catch((error) => {
    throw new ApiError(503, `cannot list the network's files: ${error.message}`);
  });
  const mine = new Set(peer.shared().map((file) => file.fileId));
  return listing.entries.filter((file) => matchesQuery(file, query)).map((file) =>
    fileView(file, mine)
  );
}

/** Every download's view, oldest first. */
export function downloadViews(context: WebContext) {
  return context.peer.downloads().map((download) => downloadView(download, context.meters));
}

/** The download number `text` names; throws a 404 {@linkcode ApiError} when there is none. */
function knownDownload(context: WebContext, text: string): number {
  const n = downloadNumber(text);
  if (!context.peer.downloads().some((download) => download.progress().id === n)) {
    throw new ApiError(404, `no download number ${n}; GET /api/downloads lists them`);
  }
  return n;
}

/** True when some of `items` could be what `query` names (an ID prefix or a name). */
function sharesAny(items: { fileId: string; manifest: { name: string } }[], query: string) {
  const prefix = query.trim().toLowerCase();
  return items.some((item) =>
    item.fileId.startsWith(prefix) || item.manifest.name === query ||
    `${item.manifest.name}/` === query
  );
}

/** A path typed in the page: `~` is the home folder, a relative one is from the peer's folder. */
export function localPath(typed: string): string {
  const path = typed.trim();
  if (path === "~") return homedir();
  if (path.startsWith("~/")) return join(homedir(), path.slice(2));
  return resolve(path);
}
