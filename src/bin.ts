#!/usr/bin/env node
// Entry of the `authsome` command (bin/authsome.js loads the compiled copy).
import { runCli } from "./cli.js";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
});
