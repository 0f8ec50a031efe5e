/**
 * The page people look at: static files under indexer/page/, served as they are (no build step at run time).
 * `/` is the page; `/page/<file>` its scripts and styles. Only names in the folder itself are served.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import { Hono } from "hono";

const PAGE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "page");

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json; charset=utf-8",
};

function serve(name: string): Response | undefined {
  // A plain file name in the page folder: no separators, no dot files, a known type.
  if (!/^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(name)) return undefined;
  const type = TYPES[path.extname(name)];
  const file = path.join(PAGE_DIR, name);
  if (type === undefined || !fs.existsSync(file)) return undefined;
  return new Response(fs.readFileSync(file), { headers: { "content-type": type, "cache-control": "no-cache" } });
}

const page = new Hono();

page.get("/", (c) => serve("index.html") ?? c.text("the page is not built: indexer/page/index.html is missing", 404));
page.get(
  "/page/:file",
  (c) => serve(c.req.param("file")) ?? c.json({ error: `no such file: ${c.req.param("file")}` }, 404),
);

export default page;
