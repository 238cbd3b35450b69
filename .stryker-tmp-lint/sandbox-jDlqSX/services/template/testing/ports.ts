/** A loopback port nothing listens on right now (tests that must know a URL before they bind). */
// @ts-nocheck

import net from 'node:net';

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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
