// `npm run bench` — installs the harness's own dependencies (bench/package.json: the load generator and better-auth,
// kept out of the root install) on first use, then runs bench/run.ts (or, for `npm run bench:profile`,
// bench/profile.ts) through tsx from the repository root, passing the arguments on (`npm run bench -- --quick`)
// and exiting with its code.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const benchDir = fileURLToPath(new URL(".", import.meta.url));
const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function installIfMissing() {
  if (existsSync(new URL("./node_modules/autocannon/package.json", import.meta.url)) && existsSync(new URL("./node_modules/better-auth/package.json", import.meta.url))) return;
  const command = existsSync(new URL("./package-lock.json", import.meta.url)) ? "ci" : "install";
  console.log(`bench: installing the harness's dependencies (npm ${command} in bench/)…`);
  const result = spawnSync(npm, [command, "--no-audit", "--no-fund"], { cwd: benchDir, stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`bench: npm ${command} in bench/ failed`);
    process.exit(result.status ?? 1);
  }
}

installIfMissing();
if (!existsSync(new URL("../node_modules/tsx/package.json", import.meta.url))) {
  console.error("bench: tsx is missing from the repository's node_modules — run `npm install` at the repository root first");
  process.exit(1);
}
// `npm run bench:profile` comes through here too (first argument `profile`), so it installs the same dependencies.
const [script, args] = process.argv[2] === "profile" ? ["bench/profile.ts", process.argv.slice(3)] : ["bench/run.ts", process.argv.slice(2)];
const child = spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: repoRoot, stdio: "inherit" });
// Ctrl-C reaches the whole process group; the harness cleans up and exits, and this process follows its code.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
