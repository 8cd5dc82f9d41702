#!/usr/bin/env node
// Built by `npm install` (the `prepare` script compiles src/ to dist/).
import { runCli } from "../dist/cli.js";

const code = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
process.exitCode = code;
