/**
 * What a kind publishes once its service runs, beyond the children it always has: pki-ca's root
 * certificate becomes status fields (`fingerprintSha256`, `notAfter`, `acmeDirectory`) and the
 * ConfigMap `<name>-ca-bundle`; jose-ja's key sets become `jwksUrls`. A publisher answers undefined
 * until the service can tell it (not started, sealed, CA or key set not made yet); the resource is
 * not Ready before then.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { caBundle, servesAcme } from '../children/ca.ts';
import { declaredKeySets, jwksUrl } from '../children/jwks.ts';
import { childNames } from '../children/names.ts';
import type { KindRow } from '../kinds.ts';
import type { KubeApi } from '../kube/api.ts';
import type { KubeObject, ServiceResource } from '../resources/types.ts';
import type { ServiceFetch } from './service-fetch.ts';

/** Status fields and extra children a running service lets the operator publish. */
export interface Publication {
  readonly status: Readonly<Record<string, unknown>>;
  readonly children: readonly KubeObject[];
}

export interface PublishContext {
  readonly resource: ServiceResource;
  readonly row: KindRow;
  /** The in-cluster base URL of the service, `https://<workload>.<namespace>.svc:<port>`. */
  readonly endpoint: string;
  readonly api: KubeApi;
}

/** What a kind's running service lets the operator publish, and what Ready says while it cannot yet. */
export interface Publisher {
  /** What Ready says it waits for until the first publication (`the service to publish its certificate`). */
  readonly awaiting: string;
  publish(context: PublishContext): Promise<Publication | undefined>;
}

/** The CA PEM a service's TLS Secret carries, or undefined when it has none yet. */
async function trustedCa(api: KubeApi, resource: ServiceResource): Promise<string | undefined> {
  const secret = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name: childNames(resource).tls });
  const encoded = (secret?.data as Readonly<Record<string, string>> | undefined)?.['ca.crt'];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

/**
 * What `read` makes of the service's answers, trusting only the CA of its TLS Secret; undefined
 * while there is no CA yet or while `read` throws (not started, sealed, nothing made yet, or not
 * answering what was asked): asked again next time.
 */
async function askService<T>(api: KubeApi, resource: ServiceResource, read: (ca: string) => Promise<T>): Promise<T | undefined> {
  const ca = await trustedCa(api, resource);
  if (ca === undefined) return undefined;
  try {
    return await read(ca);
  } catch {
    return undefined;
  }
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * The trust bundle as PEM when every block in it is a certificate and the root is one of them;
 * otherwise it throws (a service answering something else is asked again later).
 */
function checkedBundle(bytes: Uint8Array, root: X509Certificate): string {
  const blocks = Buffer.from(bytes).toString('utf8').match(PEM_CERTIFICATE) ?? [];
  const certificates = blocks.map((block) => new X509Certificate(block));
  if (!certificates.some((certificate) => certificate.fingerprint256 === root.fingerprint256)) throw new Error('the bundle does not hold the root');
  return blocks.map((block) => `${block}\n`).join('');
}

/**
 * pki-ca: the root `root` at `/pki/v1/ca/root.crt` (DER) as status fields, and the bundle of every
 * CA in use at `/pki/v1/ca/bundle.pem` (during a rotation both issuing CAs) as the ConfigMap.
 */
export function caPublisher(fetch: ServiceFetch): Publisher {
  return {
    awaiting: 'the service to publish its certificate',
    async publish({ resource, row, endpoint, api }) {
      const answer = await askService(api, resource, async (ca) => {
        const der = await fetch(`${endpoint}/pki/v1/ca/root.crt`, ca);
        const root = new X509Certificate(der);
        return { der, root, bundle: checkedBundle(await fetch(`${endpoint}/pki/v1/ca/bundle.pem`, ca), root) };
      });
      if (answer === undefined) return undefined;
      const { der, root, bundle } = answer;
      return {
        status: {
          fingerprintSha256: createHash('sha256').update(der).digest('hex'),
          notAfter: new Date(root.validTo).toISOString(),
          ...(servesAcme(resource) ? { acmeDirectory: `${endpoint}/acme/default/directory` } : {}),
        },
        children: [caBundle(resource, row, bundle)],
      };
    },
  };
}

/** JWK members that only a private key has (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * A JWKS as RFC 7517 §5 shapes it, with at least one key and public members only; otherwise it
 * throws. A set serving a private member is never advertised.
 */
function checkedJwks(bytes: Uint8Array): void {
  const body = JSON.parse(Buffer.from(bytes).toString('utf8')) as { keys?: unknown } | null;
  const keys = body?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new Error('not a JWKS with keys');
  for (const key of keys as unknown[]) {
    if (typeof key !== 'object' || key === null || typeof (key as { kty?: unknown }).kty !== 'string') throw new Error('a key without kty');
    if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(key, member))) throw new Error('a key with a private member');
  }
}

/**
 * jose-ja: `jwksUrls`, the JWKS URL of every declared key set, once each of them answers with a
 * JWKS; until every one does, nothing (the URLs published before stay).
 */
export function jwksPublisher(fetch: ServiceFetch): Publisher {
  return {
    awaiting: 'the service to publish the JWKS of every declared key set',
    async publish({ resource, endpoint, api }) {
      const urls = declaredKeySets(resource).map((set) => jwksUrl(endpoint, set.name));
      const answered = await askService(api, resource, async (ca) => {
        for (const body of await Promise.all(urls.map((url) => fetch(url, ca)))) checkedJwks(body);
        return true;
      });
      return answered === undefined ? undefined : { status: { jwksUrls: urls }, children: [] };
    },
  };
}
