// The import rules of the architecture (.dependency-cruiser.cjs) hold for the package, and they do catch what they
// forbid: the fixture tree breaks each kind of rule once.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = fileURLToPath(new URL("../..", import.meta.url));
const config = fileURLToPath(new URL("../../.dependency-cruiser.cjs", import.meta.url));
const cli = fileURLToPath(new URL("../../node_modules/dependency-cruiser/bin/dependency-cruise.mjs", import.meta.url));

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string }>;
}

async function cruise(cwd: string, paths: string[]): Promise<Violation[]> {
  // `--output-type json` always exits 0 and reports the violations in the summary.
  const { stdout } = await run(process.execPath, [cli, ...paths, "--config", config, "--output-type", "json"], { cwd, maxBuffer: 64 * 1024 * 1024 });
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe("dependency rules", () => {
  it("the package, its plugins and the examples follow every rule", async () => {
    const violations = await cruise(root, ["src", "examples"]);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it("catch a plugin reaching past the kit, the engine importing HTTP, and a type-only cycle", async () => {
    const violations = await cruise(fileURLToPath(new URL("../fixtures/dependency-rules/", import.meta.url)), ["src"]);
    const found = violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
    expect(found).toEqual([
      "engine-below-http: src/engine/uses-http.ts → src/http/env.ts",
      "no-circular: src/engine/a.ts → src/engine/b.ts",
      "plugin-imports-only-the-kit: src/plugins/bad/index.ts → src/store/postgres/errors.ts",
    ]);
  });
});
