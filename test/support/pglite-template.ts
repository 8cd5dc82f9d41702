// Global setup of the PGlite test project. Creating a PGlite instance runs initdb (~3 s here); loading a dump of
// a fresh cluster takes about a third of that. So the cluster is initialised once per run and every test database
// starts from its dump.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    pgliteTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), "authsome-pglite-"));
  const file = join(dir, "empty-cluster.tar");
  const client = await PGlite.create();
  try {
    const dump = await client.dumpDataDir("none");
    await writeFile(file, Buffer.from(await dump.arrayBuffer()));
  } finally {
    await client.close();
  }
  project.provide("pgliteTemplate", file);
  return () => rm(dir, { recursive: true, force: true });
}
