// A TCP proxy in this process between a pool and PostgreSQL, to cut the database off without touching the shared
// server: `blackhole()` destroys every open connection and then accepts new ones without ever answering (a network
// that swallows packets, so connects hang until the pool's own timeout), `restore()` forwards again.
import { connect, createServer, type Socket } from "node:net";

export interface TcpProxy {
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  /** Cuts every connection (both ends) and from now on accepts connections without forwarding or answering them. */
  blackhole(): void;
  /** Forwards new connections again (the swallowed ones are closed). */
  restore(): void;
  /** Connections forwarded since start. */
  readonly forwarded: number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const live = new Set<Socket>();
  const swallowed = new Set<Socket>();
  let swallowing = false;
  let forwarded = 0;

  const track = (set: Set<Socket>, socket: Socket) => {
    set.add(socket);
    socket.on("close", () => set.delete(socket));
    socket.on("error", () => socket.destroy());
  };

  const server = createServer((client) => {
    if (swallowing) return track(swallowed, client);
    forwarded++;
    const upstream = connect(target.port, target.host);
    track(live, client);
    track(live, upstream);
    // Either side ending ends the other: a cut is seen by PostgreSQL (which rolls back) and by the pool alike.
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };

  return {
    port,
    urlFor(url) {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    blackhole() {
      swallowing = true;
      for (const socket of live) socket.destroy();
    },
    restore() {
      swallowing = false;
      for (const socket of swallowed) socket.destroy();
    },
    get forwarded() {
      return forwarded;
    },
    async close() {
      for (const socket of [...live, ...swallowed]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
