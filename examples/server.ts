// `npm start`. For now: bring the database up to date with every Authsome migration group and print the status.
// The embedded PGlite database in ./.authsome/data is used unless DATABASE_URL is set. (The engine issue turns
// this into the example HTTP server.)
import { runCli } from "../src/cli.js";

const io = { out: (line: string) => console.log(line), err: (line: string) => console.error(line), env: process.env };

const migrated = await runCli(["migrate", "--plugins", "all"], io);
process.exitCode = migrated === 0 ? await runCli(["migrate", "--status", "--plugins", "all"], io) : migrated;
