/**
 * An upstream API that answers every call with what it was sent (method, path, the bearer token),
 * over real TLS from its own CA: tests read which token identity-rp forwarded to which API.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { serverOptions } from '../../template/tls/server-options.ts';
import { testTlsMaterial } from '../../template/testing/tls.ts';

export interface TokenEcho {
  readonly url: string;
  /** Its CA certificate (PEM), for the rp to trust. */
  readonly ca: string;
  close(): Promise<void>;
}

export interface EchoAnswer {
  readonly method: string;
  readonly path: string;
  readonly token: string;
}

export async function startTokenEcho(): Promise<TokenEcho> {
  const material = await testTlsMaterial();
  const server = https.createServer(serverOptions(material), (request, response) => {
    request.resume();
    request.on('end', () => {
      const answer: EchoAnswer = {
        method: String(request.method),
        path: String(request.url),
        token: (request.headers.authorization ?? '').replace(/^Bearer /, ''),
      };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve); });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${String(port)}`,
    ca: material.ca,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => { resolve(); });
    }),
  };
}
