/**
 * kube-sim: an in-process fake Kubernetes API server over HTTPS with bearer tokens. It is a test
 * double, not a cluster: it stores objects and enforces API rules, and runs pods only under `runPods`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { testTlsMaterial } from '../../services/template/testing/tls.ts';
import { Api, PATCH_TYPES } from './api.ts';
import { coreVersions, groupList, openApiV3Document, openApiV3Index, resourceList, VERSION } from './discovery.ts';
import { ApiError, errors, type Json, type JsonObject, type KObject } from './objects.ts';
import { accessOf, allowed, policyFromChart, type ServiceAccountPolicy } from './rbac.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';
import { unknownFields } from './schema.ts';
import { selector } from './selectors.ts';
import { table } from './table.ts';
import { DEFAULT_BOOKMARK_INTERVAL_MS, serveWatch, watchOptions } from './watch.ts';
import { decodeProtobuf, PROTOBUF } from './protobuf.ts';
import { RunPods, type RunPodsOptions } from './run-pods.ts';

export interface KubeSimOptions {
  /** CRDs loaded at start; default the repository's crds/. */
  crdsDir?: string;
  /** Check the operator token against the chart's ClusterRole (default true); when false both tokens are unrestricted. */
  rbacFromChart?: boolean;
  /** Extra `helm template` arguments for the chart whose RBAC is enforced, such as `['--set', 'watchNamespaces={a}']`. */
  chartArgs?: readonly string[];
  /** Milliseconds between watch BOOKMARK events for clients that allow them; default 1000. */
  bookmarkIntervalMs?: number;
  /** Serve `GET /kube-sim/v1/requests` (admin only): requests so far by user, for benchmarks. Default false. */
  requestStats?: boolean;
  /** `--run-pods`: run the real processes of cryptoutil Deployments and scratch databases for PostgreSQL StatefulSets (run-pods.ts). Default off. */
  runPods?: RunPodsOptions | boolean;
}

/** Requests received so far, by the user that sent them (a watch counts once, when it opens). */
export interface RequestCounts {
  admin: number;
  operator: number;
}

/** Where `requestStats` serves {@link RequestCounts}; outside every Kubernetes API path. */
export const REQUEST_STATS_PATH = '/kube-sim/v1/requests';

export interface KubeSim {
  readonly url: string;
  /** PEM of the CA that signed the server certificate. */
  readonly ca: string;
  readonly adminToken: string;
  readonly operatorToken: string;
  /** The operator's username, `system:serviceaccount:<namespace>:<name>`. */
  readonly operatorUser: string;
  readonly api: Api;
  /** The pod runner under `runPods`: its pods and the address map of Services to their pods' loopback ports. */
  readonly pods: RunPods | undefined;
  /** Every `verb group/resource` the operator's token asked for so far (allowed or not), sorted. */
  operatorAccess(): string[];
  /** What RBAC refused the operator's token, in the same form; `[]` when the chart grants enough. */
  operatorDenied(): string[];
  /** Requests by user so far; counted whether or not `requestStats` serves them. */
  requestCounts(): RequestCounts;
  /** When the operator last sent a request other than its lease's (epoch ms; 0 before any): its last reconcile step. */
  lastOperatorWorkAt(): number;
  writeKubeconfig(path: string, options: { user: 'admin' | 'operator' }): Promise<void>;
  stop(): Promise<void>;
}

interface Route {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

export const DEFAULT_CRDS = join(import.meta.dirname, '..', '..', 'crds');

/** An object as the metadata client sees it: kind, apiVersion and metadata, nothing else. */
function partialObjectMetadata(object: KObject): KObject {
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/**
 * Whether a collection GET asks for metadata only (client-go's metadata client): a list must ask
 * for PartialObjectMetadataList and a watch for PartialObjectMetadata, as the API server requires;
 * the other one is 406.
 */
function metadataView(accept: string | undefined, watch: boolean): 'metadata' | undefined {
  const match = /as=(PartialObjectMetadata(?:List)?)\b/u.exec(accept ?? '');
  if (match === null) return undefined;
  if (match[1] !== (watch ? 'PartialObjectMetadata' : 'PartialObjectMetadataList')) throw errors.notAcceptable(String(accept));
  return 'metadata';
}

function send(response: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): Json {
  if (body.length === 0) return null;
  // kubectl create configmap|secret writes protobuf; it accepts JSON back.
  if (contentType === PROTOBUF) return decodeProtobuf(body);
  const text = body.toString('utf8');
  try {
    return (contentType.includes('yaml') ? parse(text) : JSON.parse(text)) as Json;
  } catch {
    throw errors.badRequest(`the request body is not valid ${contentType.includes('yaml') ? 'YAML' : 'JSON'}`);
  }
}

/** `fieldValidation=Strict` (kubectl's default): unknown fields are an error, not silently pruned. */
function strict(type: ResourceType, query: URLSearchParams, body: Json, contentType: string): Json {
  if (query.get('fieldValidation') !== 'Strict' || type.schema === undefined || contentType === PATCH_TYPES.json) return body;
  const unknown = unknownFields(body, type.schema);
  if (unknown.length > 0) {
    throw errors.badRequest(`${type.kind} in version "${type.version}" cannot be handled as a ${type.kind}: strict decoding error: ${unknown.map((field) => `unknown field "${field}"`).join(', ')}`);
  }
  return body;
}

function tokenEquals(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The HTTP verb as RBAC names it. */
function verbOf(method: string, route: Route, watch: boolean): string {
  const table: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };
  if (method === 'GET') return route.name === undefined ? (watch ? 'watch' : 'list') : 'get';
  if (method === 'DELETE') return route.name === undefined ? 'deletecollection' : 'delete';
  return table[method] ?? method.toLowerCase();
}

class Handler {
  readonly api = new Api();
  readonly #adminToken: string;
  readonly #operatorToken: string;
  readonly #policy: ServiceAccountPolicy | undefined;
  readonly #closers = new Set<() => void>();
  readonly #bookmarkIntervalMs: number;
  readonly #requestStats: boolean;
  readonly requests: RequestCounts = { admin: 0, operator: 0 };
  lastOperatorWorkAt = 0;
  /** What the operator asked for: the recorder behind `operatorAccess()`. */
  readonly used = new Set<string>();
  readonly denied = new Set<string>();

  constructor(adminToken: string, operatorToken: string, policy: ServiceAccountPolicy | undefined, bookmarkIntervalMs: number, requestStats: boolean) {
    this.#adminToken = adminToken;
    this.#operatorToken = operatorToken;
    this.#policy = policy;
    this.#bookmarkIntervalMs = bookmarkIntervalMs;
    this.#requestStats = requestStats;
  }

  closeWatches(): void {
    for (const close of [...this.#closers]) close();
  }

  async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      // KUBE_SIM_TRACE=1 logs each request line: how to see what a client asks for.
      if (process.env.KUBE_SIM_TRACE === '1') process.stderr.write(`${request.method ?? ''} ${request.url ?? ''}\n`);
      await this.#route(request, response);
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `kube-sim failed: ${(error as Error).message}`);
      if (!response.headersSent) send(response, failure.code, failure.status());
      else response.end();
    }
  }

  /** /scale: GET reads the Scale; PUT and PATCH (merge or JSON patch) write spec.replicas through it. */
  async #scale(request: IncomingMessage, method: string, type: ResourceType, namespace: string | undefined, name: string, contentType: string, manager: string): Promise<KObject> {
    if (method === 'GET') return this.api.getScale(type, namespace, name);
    if (method === 'PUT') return this.api.updateScale(type, namespace, name, parseBody(await readBody(request), contentType), manager);
    if (method !== 'PATCH') throw errors.methodNotAllowed();
    if (contentType !== PATCH_TYPES.merge && contentType !== PATCH_TYPES.json && contentType !== PATCH_TYPES.strategic) throw errors.unsupportedMediaType(contentType);
    return this.api.patchScale(type, namespace, name, contentType, parseBody(await readBody(request), contentType), manager);
  }

  #user(request: IncomingMessage): 'admin' | 'operator' {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7) : '';
    if (tokenEquals(token, this.#adminToken)) return 'admin';
    if (tokenEquals(token, this.#operatorToken)) return 'operator';
    throw errors.unauthorized();
  }

  #discovery(path: string): JsonObject | undefined {
    const registry = this.api.registry;
    const fixed: Record<string, () => JsonObject | undefined> = {
      '/version': () => VERSION,
      '/api': coreVersions,
      '/apis': () => groupList(registry),
      '/api/v1': () => resourceList(registry, '', 'v1'),
      '/openapi/v3': () => openApiV3Index(registry),
    };
    const exact = fixed[path];
    if (exact !== undefined) return exact();
    const openApi = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/u.exec(path);
    if (openApi !== null) return openApiV3Document(registry, openApi[2] ?? '', openApi[1] ?? openApi[3] ?? '');
    const groupVersion = /^\/apis\/([^/]+)\/([^/]+)$/u.exec(path);
    if (groupVersion !== null) return resourceList(registry, groupVersion[1] ?? '', groupVersion[2] ?? '');
    const group = /^\/apis\/([^/]+)$/u.exec(path);
    if (group !== null) return (groupList(registry).groups as JsonObject[]).find((entry) => entry.name === group[1]);
    return undefined;
  }

  #resolve(path: string): Route {
    const match = /^\/api\/(v1)\/(.*)$/u.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)\/(.*)$/u.exec(path);
    if (match === null) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const groupVersion = match[1] ?? '';
    const slash = groupVersion.indexOf('/');
    const group = slash === -1 ? '' : groupVersion.slice(0, slash);
    const version = groupVersion.slice(slash + 1);
    let rest = (match[2] ?? '').split('/').filter((segment) => segment !== '');
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !(rest.length === 3 && (rest[2] === 'status' || rest[2] === 'finalize'))) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = this.api.registry.find(group, version, rest[0] ?? '');
    if (type === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    return { type, namespace: type.namespaced ? namespace : undefined, name: rest[1], subresource: rest[2] };
  }

  #authorize(user: 'admin' | 'operator', verb: string, route: Route): void {
    if (user === 'admin') return;
    const resource = route.subresource === undefined ? route.type.plural : `${route.type.plural}/${route.subresource}`;
    const access = accessOf(verb, route.type.group, resource);
    this.used.add(access);
    if (this.#policy === undefined) return;
    const attributes = { verb, group: route.type.group, resource, ...(route.name === undefined ? {} : { name: route.name }), ...(route.namespace === undefined ? {} : { namespace: route.namespace }) };
    if (allowed(this.#policy.rules, attributes)) return;
    this.denied.add(route.namespace === undefined ? access : `${access} in ${route.namespace}`);
    const subject = route.name === undefined ? resource : `${resource}${route.type.group === '' ? '' : `.${route.type.group}`} "${route.name}"`;
    const scope = route.namespace === undefined ? 'at the cluster scope' : `in the namespace "${route.namespace}"`;
    throw errors.forbidden(`${subject} is forbidden: User "${this.#policy.username}" cannot ${verb} resource "${resource}" in API group "${route.type.group}" ${scope}`);
  }

  #authorizeOwners(user: 'admin' | 'operator', body: unknown, namespace: string | undefined): void {
    for (const route of ownerFinalizerRoutes(this.api, body, namespace)) this.#authorize(user, 'update', route);
  }

  async #route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'https://kube-sim');
    const method = request.method ?? 'GET';
    const user = this.#user(request);
    this.requests[user] += 1;
    if (user === 'operator' && !url.pathname.startsWith('/apis/coordination.k8s.io/')) this.lastOperatorWorkAt = Date.now();
    if (this.#requestStats && user === 'admin' && method === 'GET' && url.pathname === REQUEST_STATS_PATH) {
      send(response, 200, this.requests);
      return;
    }
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return;
    }
    if (method === 'GET') {
      const document = this.#discovery(url.pathname);
      if (document !== undefined) {
        send(response, 200, document);
        return;
      }
    }
    const route = this.#resolve(url.pathname);
    const query = url.searchParams;
    const watch = query.get('watch') === 'true' || query.get('watch') === '1';
    this.#authorize(user, verbOf(method, route, watch), route);
    if (query.has('dryRun')) throw errors.badRequest('kube-sim does not support dryRun');
    const served = route.subresource === undefined || (route.subresource === 'status' && route.type.statusSubresource) || (route.subresource === 'scale' && route.type.scale !== undefined);
    if (!served) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    const subresource = route.subresource === 'status' ? 'status' : 'main';
    const manager = query.get('fieldManager') ?? (request.headers['user-agent'] ?? 'unknown').split('/', 1).join('');
    const contentType = (request.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? 'application/json';
    const { api } = this;
    const { type, namespace, name } = route;
    if (method === 'GET' && name === undefined) {
      const matches = selector(query.get('labelSelector'), query.get('fieldSelector'), type.fields);
      const asked = metadataView(request.headers.accept, watch);
      if (watch) {
        const options = watchOptions(query, this.#bookmarkIntervalMs);
        const converted = type.storedAs === undefined ? undefined : { type: api.storageType(type), view: type.storedAs.fromStorage };
        const storedAs = asked === undefined
          ? (converted === undefined ? {} : { storedAs: converted })
          : { storedAs: { type: converted?.type ?? type, view: (object: KObject) => partialObjectMetadata(converted === undefined ? object : converted.view(object)) } };
        serveWatch(api.store, { type, namespace, matches, resourceVersion: query.get('resourceVersion'), timeoutSeconds: Number(query.get('timeoutSeconds') ?? '1800'), ...options, ...storedAs }, response, (close) => {
          this.#closers.add(close);
          return () => this.#closers.delete(close);
        });
        return;
      }
      const items = api.list(type, namespace).filter(matches);
      const revision = String(api.store.revision);
      if ((request.headers.accept ?? '').includes('as=Table')) send(response, 200, table(type, items, revision));
      else if (asked !== undefined) send(response, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: revision }, items: items.map(partialObjectMetadata) });
      else send(response, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata: { resourceVersion: revision }, items });
      return;
    }
    if (method === 'POST' && name === undefined) {
      const body = strict(type, query, parseBody(await readBody(request), contentType), contentType) as unknown as KObject;
      this.#authorizeOwners(user, body, namespace);
      send(response, 201, api.create(type, namespace, body, manager));
      return;
    }
    if (name === undefined) throw errors.methodNotAllowed();
    if (route.subresource === 'scale') {
      send(response, 200, await this.#scale(request, method, type, namespace, name, contentType, manager));
      return;
    }
    const handlers: Record<string, () => Promise<[number, unknown]>> = {
      GET: () => Promise.resolve([200, api.get(type, namespace, name)]),
      PUT: async () => {
        const body = strict(type, query, parseBody(await readBody(request), contentType), contentType) as unknown as KObject;
        this.#authorizeOwners(user, body, namespace);
        return [200, api.update(type, namespace, name, body, subresource, manager)];
      },
      PATCH: async () => {
        const known: string[] = Object.values(PATCH_TYPES);
        if (!known.includes(contentType)) throw errors.unsupportedMediaType(contentType);
        if (contentType === PATCH_TYPES.apply && !query.has('fieldManager')) throw errors.badRequest('PATCH with application/apply-patch+yaml requires a fieldManager');
        const existed = api.store.get(type, namespace, name) !== undefined;
        if (contentType === PATCH_TYPES.apply && !existed) {
          // As the API server: apply creates through the object itself only; /status of a missing object is 404.
          if (route.subresource !== undefined) throw errors.notFound(type.plural, type.group, name);
          this.#authorize(user, 'create', route);
        }
        const body = strict(type, query, parseBody(await readBody(request), contentType), contentType);
        this.#authorizeOwners(user, body, namespace);
        const result = api.patch(type, namespace, name, contentType, body, { subresource, manager, force: query.get('force') === 'true' });
        return [existed ? 200 : 201, result];
      },
      DELETE: async () => {
        // kubectl sends JSON DeleteOptions; helm's typed client sends protobuf.
        const options = parseBody(await readBody(request), contentType) as { propagationPolicy?: string; orphanDependents?: boolean; dryRun?: string[]; preconditions?: { uid?: string; resourceVersion?: string } } | null;
        if (options?.dryRun !== undefined) throw errors.badRequest('kube-sim does not support dryRun');
        // orphanDependents is the deprecated spelling of propagationPolicy=Orphan.
        const propagation = query.get('propagationPolicy') ?? options?.propagationPolicy ?? (options?.orphanDependents === true ? 'Orphan' : 'Background');
        return [200, api.delete(type, namespace, name, propagation, options?.preconditions)];
      },
    };
    const handler = handlers[method];
    if (handler === undefined) throw errors.methodNotAllowed();
    const [code, body] = await handler();
    send(response, code, body);
  }
}

/**
 * OwnerReferencesPermissionEnforcement: setting blockOwnerDeletion on a reference needs `update` on
 * the owner's `finalizers` subresource, as the admission plugin of that name checks.
 */
function ownerFinalizerRoutes(api: Api, body: unknown, namespace: string | undefined): Route[] {
  const references = ((body as { metadata?: { ownerReferences?: unknown } } | null)?.metadata?.ownerReferences ?? []) as { apiVersion?: string; kind?: string; name?: string; blockOwnerDeletion?: boolean }[];
  return references.flatMap((reference) => {
    const type = reference.blockOwnerDeletion === true ? api.registry.byKind(reference.apiVersion ?? '', reference.kind ?? '') : undefined;
    return type === undefined ? [] : [{ type, namespace: type.namespaced ? namespace : undefined, name: reference.name, subresource: 'finalizers' }];
  });
}

/** Creates every CRD of a directory through the API, as `kubectl apply -f crds/` would. */
export async function loadCrds(api: Api, dir: string): Promise<void> {
  const crdType = api.type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  for (const file of (await readdir(dir)).filter((name) => name.endsWith('.yaml')).sort()) {
    api.create(crdType, undefined, parse(await readFile(join(dir, file), 'utf8')) as KObject, 'kube-sim');
  }
}

/** Starts kube-sim on a free loopback port with the CRDs and, by default, the chart's RBAC. */
export async function startKubeSim(options?: KubeSimOptions): Promise<KubeSim> {
  const tls = await testTlsMaterial();
  const adminToken = randomBytes(32).toString('base64url');
  const operatorToken = randomBytes(32).toString('base64url');
  const policy = options?.rbacFromChart === false ? undefined : await policyFromChart(options?.chartArgs);
  const handler = new Handler(adminToken, operatorToken, policy, options?.bookmarkIntervalMs ?? DEFAULT_BOOKMARK_INTERVAL_MS, options?.requestStats === true);
  await loadCrds(handler.api, options?.crdsDir ?? DEFAULT_CRDS);
  const server: Server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.3' }, (request, response) => {
    void handler.handle(request, response);
  });
  const runPods = options?.runPods ?? false;
  const pods = runPods === false ? undefined : await RunPods.start(handler.api, runPods === true ? {} : runPods);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port.toString()}`;
  return {
    url,
    ca: tls.ca,
    adminToken,
    operatorToken,
    operatorUser: policy?.username ?? 'system:serviceaccount:cryptoutil-system:cryptoutil-operator',
    api: handler.api,
    pods,
    operatorAccess: () => [...handler.used].sort(),
    operatorDenied: () => [...handler.denied].sort(),
    requestCounts: () => ({ ...handler.requests }),
    lastOperatorWorkAt: () => handler.lastOperatorWorkAt,
    async writeKubeconfig(path, { user }) {
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'kube-sim', cluster: { server: url, 'certificate-authority-data': Buffer.from(tls.ca).toString('base64') } }],
        users: [{ name: user, user: { token: user === 'admin' ? adminToken : operatorToken } }],
        contexts: [{ name: 'kube-sim', context: { cluster: 'kube-sim', user, namespace: 'default' } }],
        'current-context': 'kube-sim',
      };
      await writeFile(path, stringify(kubeconfig), { mode: 0o600 });
    },
    async stop() {
      await pods?.stop();
      handler.closeWatches();
      handler.api.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
      await rm(tls.dataDir, { recursive: true, force: true });
    },
  };
}
