/**
 * Test receivers of logout tokens (OpenID Connect Back-Channel Logout 1.0): an HTTPS server whose
 * certificate comes from a running identity-authz's own CA, so the authz trusts it as it trusts
 * the suite, and a port that accepts connections and never answers.
 */
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ensureLocalCa } from '../../template/tls/index.ts';
import { signServerCertificate } from '../../template/tls/issuing.ts';
import type { AuthzHarness } from './harness.ts';

export interface Delivery {
  readonly contentType: string | undefined;
  readonly fields: URLSearchParams;
}

export interface Receiver {
  readonly url: string;
  readonly deliveries: Delivery[];
  close(): Promise<void>;
}

/** An HTTPS logout receiver whose certificate comes from the authz's own CA (the suite's trust). */
export async function startReceiver(authz: AuthzHarness, status = 200): Promise<Receiver> {
  const ca = await ensureLocalCa(authz.dataDir);
  const { cert, key } = await signServerCertificate(ca, 'logout receiver', ['127.0.0.1'], 1, new Date());
  const deliveries: Delivery[] = [];
  const server: HttpsServer = createHttpsServer({ cert, key }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({ contentType: request.headers['content-type'], fields: new URLSearchParams(Buffer.concat(chunks).toString('utf8')) });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  return {
    url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/logout`,
    deliveries,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => { resolve(); }); }),
  };
}

/** A port that takes connections and never says a word: no TLS handshake, no answer. */
export async function startBlackHole(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server: TcpServer = createTcpServer((socket) => { sockets.push(socket); });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  return {
    url: `https://127.0.0.1:${String((server.address() as AddressInfo).port)}/logout`,
    close: () => new Promise<void>((resolve) => { for (const socket of sockets) socket.destroy(); server.close(() => { resolve(); }); }),
  };
}
