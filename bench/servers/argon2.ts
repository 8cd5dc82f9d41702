/**
 * The baseline for sign-in, in a process of its own: a bare node:http server whose handler only reads the request
 * body and verifies one seeded user's argon2id PHC string (made by Authsome's hasher, so its parameters are the
 * ones Authsome signs in with: m = 19456 KiB, t = 2, p = 1 unless src/plugins/password/hasher.ts changes them) with
 * `@node-rs/argon2`, answering 200 or 401. POST /signin throughput is measured against this at the same
 * concurrency: the difference is everything Authsome does besides hashing.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { verify } from "@node-rs/argon2";
import { closeServer, listen, readConfig, serve } from "./child.js";

export interface Argon2ServerConfig {
  /** The PHC string to verify against. */
  phc: string;
  password: string;
}

function readBody(req: IncomingMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    req.on("data", () => {});
    req.on("end", resolve);
    req.on("error", reject);
  });
}

function handler({ phc, password }: Argon2ServerConfig) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    try {
      await readBody(req);
      const ok = await verify(phc, password);
      res.writeHead(ok ? 200 : 401, { "content-type": "application/json" }).end(ok ? '{"ok":true}' : '{"ok":false}');
    } catch {
      res.writeHead(500).end();
    }
  };
}

await serve(async () => {
  const config = readConfig<Argon2ServerConfig>();
  if (!(await verify(config.phc, config.password))) throw new Error("the seeded PHC string does not verify against the password");
  const { server, url } = await listen(handler(config));
  return { url, close: () => closeServer(server) };
});
