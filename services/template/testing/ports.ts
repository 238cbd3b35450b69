/** Loopback ports for tests that must know a URL before they bind. */
import net from 'node:net';

/** Linux hands out ports from 32768 up for `listen(0)` and outgoing connections; ours stay below. */
const LOW = 20_000;
const HIGH = 32_767;
const handedOut = new Set<number>();

/**
 * A loopback port nothing listens on right now, chosen below the kernel's ephemeral range so a
 * service another test binds to port 0 cannot take it between this call and the caller's bind,
 * and never the same port twice in one process.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (handedOut.has(port) || !await portIsFree(port)) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port between ${String(LOW)} and ${String(HIGH)}`);
}

async function portIsFree(port: number): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => { resolve(false); });
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true); }); });
  });
}

/**
 * A `cryptoutil up --port-offset` at which every given port is free, so a test never binds the
 * suite's fixed ports (a developer's `npm start` may hold them). Offsets land between 10000 and
 * 22990 above the ports, below the ephemeral range the kernel hands out for port 0.
 */
export async function freePortOffset(ports: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const offset = 10_000 + 10 * Math.floor(Math.random() * 1_300);
    const free = await Promise.all(ports.map((port) => portIsFree(port + offset)));
    if (free.every(Boolean)) return offset;
  }
  throw new Error('no port offset leaves every port free');
}
