// A small closed-loop HTTP load generator, run as its own process so it never shares the servers' event loop.
// argv: JSON { url, method, headersList: [headers per request rotation], bodies?: [string], connections, seconds }
import http from "node:http";

const { url, method, headersList, bodies, connections, seconds } = JSON.parse(process.argv[2]);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let errors = 0;
let next = 0;
const deadline = Date.now() + seconds * 1000;

function once() {
  return new Promise((resolve) => {
    const i = next++;
    const headers = headersList[i % headersList.length];
    const body = bodies ? bodies[i % bodies.length] : undefined;
    const started = process.hrtime.bigint();
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method, agent, headers: body ? { ...headers, "content-length": Buffer.byteLength(body) } : headers },
      (res) => {
        res.resume();
        res.on("end", () => {
          if (res.statusCode >= 400) errors++;
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          resolve();
        });
      },
    );
    req.on("error", () => {
      errors++;
      resolve();
    });
    if (body) req.write(body);
    req.end();
  });
}

async function loop() {
  while (Date.now() < deadline) await once();
}

await Promise.all(Array.from({ length: connections }, loop));
latencies.sort((a, b) => a - b);
const pick = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
process.stdout.write(JSON.stringify({ requests: latencies.length, rps: latencies.length / seconds, p50: pick(0.5), p99: pick(0.99), errors }));
agent.destroy();
