// Runs `drizzle-kit generate` once per migration group, non-interactively (stdin closed, bounded time).
// Usage: npm run db:generate [-- --name add_something] [-- --out <dir>] [-- --group core]
import { spawnSync } from "node:child_process";
import { migrationGroupNames } from "../src/migrate/groups.js";

const args = process.argv.slice(2);
const take = (flag: string): string | undefined => {
  const i = args.indexOf(flag);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const out = take("--out");
const only = take("--group");
const groups = only ? [only] : migrationGroupNames;

for (const group of groups) {
  const result = spawnSync("npx", ["drizzle-kit", "generate", "--config", "drizzle.config.ts", ...args], {
    stdio: ["ignore", "inherit", "inherit"],
    timeout: 120_000,
    env: { ...process.env, AUTHSOME_GROUP: group, ...(out ? { AUTHSOME_MIGRATIONS_OUT: out } : {}) },
  });
  if (result.status !== 0) {
    console.error(`drizzle-kit generate failed for group "${group}"`);
    process.exit(result.status ?? 1);
  }
}
