// docs/http-api.md must be what scripts/http-api-doc.ts renders from the OpenAPI document the engine serves now: a new
// route or a changed schema without regenerating fails here. The hand-written conventions must name every error code
// src/ throws, and the script's map of which routes need a session must match what the routes do.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authOf, docPath, documentedPlugins, fetchOpenApiDocument, type OpenApiDocument, renderHttpApiDoc } from "../../scripts/http-api-doc.js";
import { createTestEngine, type TestEngine } from "../support/engine.js";

const regenerate = "docs/http-api.md is out of date: run npm run docs:http-api";

let doc: OpenApiDocument;
let committed: string;
beforeAll(async () => {
  doc = await fetchOpenApiDocument();
  committed = await readFile(docPath, "utf8");
});

function operations(): Array<{ method: string; path: string; auth: ReturnType<typeof authOf> }> {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, operation]) => ({ method: method.toUpperCase(), path, auth: authOf(method, path, operation) })),
  );
}

describe("docs/http-api.md", () => {
  it("is what npm run docs:http-api renders from the current OpenAPI document", () => {
    // A one-line hint with the first differing line reads better than a diff of the whole file.
    const rendered = renderHttpApiDoc(doc).split("\n");
    const lines = committed.split("\n");
    const at = rendered.findIndex((line, i) => line !== lines[i]);
    const first = at === -1 ? lines.length : at;
    const where = `line ${first + 1}: expected ${JSON.stringify(rendered[first] ?? "(end of file)")}, found ${JSON.stringify(lines[first] ?? "(end of file)")}`;
    expect(rendered.length === lines.length && at === -1, `${regenerate} (${where})`).toBe(true);
  });

  it("has a row and a section for every route of the OpenAPI document", () => {
    const paths = Object.keys(doc.paths);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(committed, `${path}: ${regenerate}`).toContain(`\`${path}\``);
    for (const { method, path } of operations()) expect(committed, `${method} ${path}: ${regenerate}`).toContain(`\n### ${method} ${path}\n`);
  });

  it("lists every error code src/ throws in its code tables", async () => {
    const files = (await readdir("src", { recursive: true })).map(String).filter((file) => file.endsWith(".ts"));
    const thrown = new Set<string>();
    const construction = /new (?:Authsome|Validation|Authentication|Forbidden|NotFound|Conflict|RateLimit|Unavailable|Upstream)Error\(\s*"([a-z_]+)"/g;
    for (const file of files) {
      for (const match of (await readFile(join("src", file), "utf8")).matchAll(construction)) thrown.add(match[1] as string);
    }
    expect(thrown.size).toBeGreaterThan(10);
    const conventions = committed.slice(0, committed.indexOf("\n## Routes\n"));
    const documented = new Set([...conventions.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]));
    const missing = [...thrown].filter((code) => !documented.has(code)).sort();
    expect(missing, "add these codes to errorCodes (or nonHttpCodes) in scripts/http-api-doc.ts, then run npm run docs:http-api").toEqual([]);
  });
});

describe("the security each route declares in /openapi.json", () => {
  let e: TestEngine;
  beforeAll(async () => {
    e = await createTestEngine({ plugins: documentedPlugins() });
  });
  afterAll(() => e?.drop());

  // Without credentials, `requireSession` answers 401 `unauthorized` before the body is read; any other route reads
  // the body first and refuses an unknown field with 400.
  it("marks as needing a session exactly the routes that refuse a request without one", async () => {
    const misfiled: string[] = [];
    for (const { method, path, auth } of operations()) {
      const operation = doc.paths[path]?.[method.toLowerCase()];
      const concrete = path.replace(/\{[^}]+\}/g, "ases_01h2xcejqtf2nbrexx3vqjhp41");
      const res = await e.call(method, concrete, operation?.requestBody ? { body: { not_a_field: true } } : {});
      const refused = res.status === 401 && res.body?.code === "unauthorized";
      if (refused !== (auth === "session")) misfiled.push(`${method} ${path}: marked ${auth}, answered ${res.status} ${res.body?.code ?? ""}`);
    }
    expect(misfiled, "declare the route's auth in its createRoute middleware").toEqual([]);
  });
});
