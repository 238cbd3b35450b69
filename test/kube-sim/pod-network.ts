/**
 * Cluster DNS for the pods of `--run-pods`, as a preload: kube-sim starts each pod process with
 * `NODE_OPTIONS=--import=<this file>` and `KUBE_SIM_ADDRESS_MAP=<file>`, the address map it rewrites
 * atomically whenever it changes (`{ "<service>.<namespace>.svc:<port>": "127.0.0.1:<port>" }`).
 * A TCP connection to a `*.svc` or `*.svc.cluster.local` host then goes to the mapped loopback port
 * instead; any other host is left alone. The hook sits where every client of the services ends up,
 * `net.Socket.prototype.connect` (node:https's Agent → tls.connect → net, node:http, pg, redis), and
 * only the socket's connect options change: TLS keeps the caller's options, so the server name sent
 * and checked against the certificate stays the in-cluster name. A `.svc` name that the map does not
 * hold fails as an unknown host (ENOTFOUND), as cluster DNS answers for a Service with no ready pod
 * behind it would not, but as a missing Service does. The pod's own loopback is simulated the same
 * way: `KUBE_SIM_POD_PORTS` lists its container ports and the loopback ports they were moved to, and
 * a connection to `localhost`, `127.0.0.1` or `::1` at a container port reaches the pod itself, as in
 * its own network namespace. The services' own code is unchanged.
 */
import { readFileSync, statSync } from 'node:fs';
import net from 'node:net';

/** The variable naming the address map file. */
export const ADDRESS_MAP_ENV = 'KUBE_SIM_ADDRESS_MAP';
/** The variable listing the pod's own ports, `<container port>=<loopback port>,…`. */
export const POD_PORTS_ENV = 'KUBE_SIM_POD_PORTS';

/** What the file maps one `host:port` to. */
export interface Mapped {
  readonly address: string;
  readonly port: number;
}

/** `*.svc` and `*.svc.cluster.local` (a trailing dot allowed, any case): the names cluster DNS answers. */
export function isClusterName(host: string): boolean {
  return /\.svc(?:\.cluster\.local)?\.?$/iu.test(host);
}

/** The file's JSON as the map's lines; what does not parse is no entry. */
export function parseAddressMap(text: string): ReadonlyMap<string, Mapped> {
  const map = new Map<string, Mapped>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return map;
  }
  if (typeof parsed !== 'object' || parsed === null) return map;
  for (const [name, to] of Object.entries(parsed)) {
    const match = /^(?<address>.+):(?<port>\d+)$/u.exec(typeof to === 'string' ? to : '');
    if (match?.groups !== undefined) map.set(name.toLowerCase(), { address: String(match.groups.address), port: Number(match.groups.port) });
  }
  return map;
}

/** `8180=41234,9090=41235` → container port → loopback port; what does not parse is no entry. */
export function parsePodPorts(text: string): ReadonlyMap<number, number> {
  const ports = new Map<number, number>();
  for (const pair of text.split(',')) {
    const match = /^(\d+)=(\d+)$/u.exec(pair.trim());
    if (match !== null) ports.set(Number(match[1]), Number(match[2]));
  }
  return ports;
}

/** The form of `KUBE_SIM_POD_PORTS`. */
export function formatPodPorts(ports: ReadonlyMap<number, number>): string {
  return [...ports].map(([inPod, onHost]) => `${String(inPod)}=${String(onHost)}`).join(',');
}

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', 'localhost.', '127.0.0.1', '::1']);

/** The JSON kube-sim writes: `host:port` → `address:port`. */
export function formatAddressMap(addresses: ReadonlyMap<string, Mapped>): string {
  return `${JSON.stringify(Object.fromEntries([...addresses].map(([name, to]) => [name, `${to.address}:${String(to.port)}`])), null, 2)}\n`;
}

/** The map file, read again only when it was replaced (kube-sim renames a new file over it). */
export class AddressMapFile {
  readonly #file: string;
  #stamp = '';
  #map: ReadonlyMap<string, Mapped> = new Map();

  constructor(file: string) {
    this.#file = file;
  }

  /** Where `host:port` goes; undefined when the file does not map it (or does not exist). */
  lookup(host: string, port: number): Mapped | undefined {
    let stamp: string;
    try {
      const stat = statSync(this.#file);
      stamp = `${String(stat.ino)}:${String(stat.mtimeMs)}:${String(stat.size)}`;
    } catch {
      stamp = 'missing';
    }
    if (stamp !== this.#stamp) {
      this.#map = stamp === 'missing' ? new Map() : parseAddressMap(readFileSync(this.#file, 'utf8'));
      this.#stamp = stamp;
    }
    return this.#map.get(`${host.toLowerCase().replace(/\.$/u, '')}:${String(port)}`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address?: unknown, family?: number) => void;

/** A `lookup` that answers as getaddrinfo does for a name no DNS server knows. */
function unknownHost(hostname: string, _options: unknown, callback: LookupCallback): void {
  const error: NodeJS.ErrnoException & { hostname?: string } = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
  error.code = 'ENOTFOUND';
  error.errno = -3008;
  error.syscall = 'getaddrinfo';
  error.hostname = hostname;
  process.nextTick(() => { callback(error); });
}

/** The connect options with a cluster host moved to its mapped address, or made to fail as unknown; undefined to leave them. */
export function redirect(options: Readonly<Record<string, unknown>>, map: AddressMapFile, podPorts: ReadonlyMap<number, number> = new Map()): Record<string, unknown> | undefined {
  const { host, port } = options;
  // A `path` makes it an IPC connection (net tests it for truthiness: node:http passes `path: null`).
  if (typeof host !== 'string' || Boolean(options.path)) return undefined;
  const own = LOOPBACK_NAMES.has(host.toLowerCase()) ? podPorts.get(Number(port)) : undefined;
  if (own !== undefined) return { ...options, host: '127.0.0.1', port: own };
  if (!isClusterName(host)) return undefined;
  const to = map.lookup(host, Number(port));
  return to === undefined ? { ...options, lookup: unknownHost } : { ...options, host: to.address, port: to.port };
}

type Connect = (this: net.Socket, ...args: unknown[]) => net.Socket;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * `socket.connect(...)` arguments with the options redirected: the already normalised form net.connect
 * passes (an array, kept as it is so that net recognises it, its options replaced), an options
 * object, or `(port, host, listener)`.
 */
function redirectArguments(args: unknown[], map: AddressMapFile, podPorts: ReadonlyMap<number, number>): unknown[] {
  const [first] = args;
  if (Array.isArray(first)) {
    const moved = redirect(first[0] as Record<string, unknown>, map, podPorts);
    if (moved !== undefined) first[0] = moved;
    return args;
  }
  if (isRecord(first)) {
    const moved = redirect(first, map, podPorts);
    return moved === undefined ? args : [moved, ...args.slice(1)];
  }
  if ((typeof first === 'number' || typeof first === 'string') && typeof args[1] === 'string') {
    const moved = redirect({ port: first, host: args[1] }, map, podPorts);
    return moved === undefined ? args : [moved, ...args.slice(2)];
  }
  return args;
}

/** Installs the hook for the map in `file` and the pod's own ports; the returned function takes it out again. */
export function installPodNetwork(file: string, podPorts: ReadonlyMap<number, number> = new Map()): () => void {
  const map = new AddressMapFile(file);
  const prototype = net.Socket.prototype as unknown as { connect: Connect };
  const original = prototype.connect;
  prototype.connect = function connect(this: net.Socket, ...args: unknown[]): net.Socket {
    return original.apply(this, redirectArguments(args, map, podPorts));
  };
  return () => {
    prototype.connect = original;
  };
}

const mapFile = process.env[ADDRESS_MAP_ENV];
if (mapFile !== undefined && mapFile !== '') installPodNetwork(mapFile, parsePodPorts(process.env[POD_PORTS_ENV] ?? ''));
