import { PGlite } from "@electric-sql/pglite";
let t=performance.now();
const a = await PGlite.create(); console.log("create", performance.now()-t);
t=performance.now(); const b = await PGlite.create(); console.log("create2", performance.now()-t);
t=performance.now(); const c = await a.clone(); console.log("clone", performance.now()-t);
t=performance.now(); const d = await a.dumpDataDir("none"); console.log("dump", performance.now()-t, d.size);
t=performance.now(); const e = await PGlite.create({loadDataDir: d}); console.log("load", performance.now()-t);
