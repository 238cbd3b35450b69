/**
 * What a kind publishes once its service runs, beyond the children it always has: pki-ca's root
 * certificate becomes status fields (`fingerprintSha256`, `notAfter`, `acmeDirectory`) and the
 * ConfigMap `<name>-ca-bundle`. A publisher answers undefined until the service can tell it (not
 * started, sealed, CA not made yet); the resource is not Ready before then.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { caBundle, servesAcme } from '../children/ca.ts';
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

export type Publisher = (context: PublishContext) => Promise<Publication | undefined>;

/** The CA PEM a service's TLS Secret carries, or undefined when it has none yet. */
async function trustedCa(api: KubeApi, resource: ServiceResource): Promise<string | undefined> {
  const secret = await api.get({ apiVersion: 'v1', kind: 'Secret', namespace: resource.metadata.namespace, name: childNames(resource).tls });
  const encoded = (secret?.data as Readonly<Record<string, string>> | undefined)?.['ca.crt'];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
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
  return async ({ resource, row, endpoint, api }) => {
    const ca = await trustedCa(api, resource);
    if (ca === undefined) return undefined;
    let der: Uint8Array;
    let root: X509Certificate;
    let bundle: string;
    try {
      der = await fetch(`${endpoint}/pki/v1/ca/root.crt`, ca);
      root = new X509Certificate(der);
      bundle = checkedBundle(await fetch(`${endpoint}/pki/v1/ca/bundle.pem`, ca), root);
    } catch {
      // Not started, sealed, no root yet, or not answering with certificates: asked again next time.
      return undefined;
    }
    return {
      status: {
        fingerprintSha256: createHash('sha256').update(der).digest('hex'),
        notAfter: new Date(root.validTo).toISOString(),
        ...(servesAcme(resource) ? { acmeDirectory: `${endpoint}/acme/default/directory` } : {}),
      },
      children: [caBundle(resource, row, bundle)],
    };
  };
}
