/**
 * The web server's request handling: every request must name this server
 * in its `Host` header (403 otherwise: DNS rebinding) and carry the access
 * token (401 otherwise); `/?token=T` trades the token for a cookie and
 * redirects to `/`. Then the page (`/`, `/page/*`), the JSON API (`/api/*`),
 * the event stream, uploads, the QR code and file downloads (`/files/*`).
 *
 * @module
 */

import { Hono } from "hono";
import type { Logger } from "../log.ts";
import { acceptedToken, hostAllowed, requestTokens, TOKEN_COOKIE } from "./access.ts";
import { errorResponse, errorStatus } from "./api_errors.ts";
import { apiRoutes } from "./api_routes.ts";
import type { EventHub } from "./events.ts";
import { fileRoute } from "./file_route.ts";
import { qrSvg } from "./qr.ts";
import { pagePath, servePageFile } from "./static_files.ts";
import { uploadRoute } from "./upload.ts";
import type { WebContext } from "./web_context.ts";

/** Who the server lets in. */
export interface Gate {
  /** Tokens accepted: the access token (never the network key: members may not read this peer's files). */
  secrets: string[];
  /** Host names this server answers to besides IP literals and `localhost`. */
  hostNames: string[];
}

/** The page shown to a browser without the token. */
export const UNAUTHORIZED_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>p2pft: access token needed</title></head>
<body style="font-family: sans-serif; max-width: 36em; margin: 3em auto; padding: 0 1em">
<h1>Access token needed</h1>
<p>This p2pft peer's page asks for its access token. Open the address the peer's terminal
printed when it started (<code>http://…/?token=…</code>), or scan its QR code;
<code>web</code> in the peer's shell prints it again.</p>
</body></html>
`;

/** The web server's handler. */
export function webApp(context: WebContext, options: { gate: Gate; hub: EventHub; log: Logger }) {
  const { gate, hub, log } = options;
  const app = new Hono();
  app.use("*", async (c, next) => {
    const api = c.req.path.startsWith("/api/") || c.req.path.startsWith("/files/");
    if (!hostAllowed(c.req.header("host") ?? null, gate.hostNames)) {
      const error =
        "this address is not the peer's: open the URL the peer printed (its IP address)";
      return api ? c.json({ error }, 403) : c.text(error, 403);
    }
    const token = acceptedToken(requestTokens(c.req.raw), gate.secrets);
    if (token === undefined) {
      if (api) {
        const error = "give the access token the peer printed: ?token=, a cookie, or " +
          "Authorization: Bearer";
        return c.json({ error }, 401);
      }
      return c.html(UNAUTHORIZED_PAGE, 401);
    }
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && !sameOrigin(c.req.raw)) {
      return c.json({ error: "cross-site request refused: use the peer's own page" }, 403);
    }
    if (c.req.path === "/" && c.req.query("token") !== undefined) {
      const cookie = `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      return new Response(null, { status: 303, headers: { location: "/", "set-cookie": cookie } });
    }
    await next();
  });
  app.get("/", () => servePageFile(["index.html"]));
  app.get("/page/*", (c) => servePageFile(pagePath(c.req.path.slice("/page/".length))));
  app.get("/api/events", () => hub.subscribe());
  app.get("/api/qr.svg", async () =>
    new Response(await qrSvg(context.urls()[0]), {
      headers: { "content-type": "image/svg+xml", "cache-control": "no-store" },
    }));
  app.post("/api/upload", (c) => uploadRoute(context, c.req.raw));
  app.route("/api", apiRoutes(context));
  app.get("/files/:id/:name", (c) => fileRoute(context, c.req.raw, c.req.param("id")));
  app.on("HEAD", "/files/:id/:name", (c) => fileRoute(context, c.req.raw, c.req.param("id")));
  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? c.json({ error: `no such API: ${c.req.method} ${c.req.path}; see docs/web_api.md` }, 404)
      : c.text("not found", 404)
  );
  app.onError((error) => {
    if (errorStatus(error) >= 500) log.warn(`web: ${error.message}`);
    return errorResponse(error);
  });
  return app;
}

/** False for a request a page of another site sent (its `Origin` is not this server's). */
export function sameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (origin === null) return true;
  try {
    return new URL(origin).host === request.headers.get("host");
  } catch {
    return false;
  }
}
