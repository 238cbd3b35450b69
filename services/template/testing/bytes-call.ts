/**
 * One HTTPS request from a test whose body and answer keep their exact bytes: JSON for objects,
 * bytes or text sent as they are (KMS ciphertexts, PKCS#10 requests, DER), and the answer as bytes,
 * text and (when it parses) JSON.
 */
import https from 'node:https';

export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly bytes: Buffer;
  readonly text: string;
  readonly json: unknown;
}

export interface CallOptions {
  readonly token?: string;
  /** JSON for objects; bytes or text sent as they are with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string;
}

/** One HTTPS request with a byte-exact body and answer. */
export function bytesCall(ca: string, method: string, url: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    const raw = Buffer.isBuffer(options.body) || typeof options.body === 'string';
    payload = raw ? Buffer.from(options.body) : Buffer.from(JSON.stringify(options.body));
    headers['content-type'] = options.contentType ?? (raw ? 'application/octet-stream' : 'application/json');
    headers['content-length'] = String(payload.length);
  }
  return new Promise((resolve, reject) => {
    const request = https.request(url, { method, ca, headers, agent: false }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => { chunks.push(chunk); });
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const text = bytes.toString('utf8');
        let json: unknown;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: response.statusCode ?? 0, headers: response.headers, bytes, text, json });
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

