/**
 * The `cryptoutil` command line as data: argv in, one command out, or a UsageError (exit 2).
 * Each command's options are declared in one table, which also renders its `--help`.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../errors/index.ts';
import type { ServiceDefinition } from '../service.ts';
import { MAX_SHARES, MIN_THRESHOLD } from '../barrier/shares.ts';

export type ServiceAction = 'start' | 'livez' | 'readyz' | 'shutdown' | 'migrate';

export type Command =
  | { readonly kind: 'help' }
  | { readonly kind: 'up-help' }
  | { readonly kind: 'service-help'; readonly service: ServiceDefinition }
  | { readonly kind: 'version' }
  | ({ readonly kind: 'up' } & UpArguments)
  | { readonly kind: 'service'; readonly service: ServiceDefinition; readonly action: ServiceAction; readonly configFiles: readonly string[]; readonly help: boolean }
  | { readonly kind: 'init-help'; readonly service: ServiceDefinition }
  | ({ readonly kind: 'init'; readonly service: ServiceDefinition; readonly json: boolean } & InitSplit)
  | { readonly kind: 'unseal-help'; readonly service: ServiceDefinition }
  | UnsealArguments
  | { readonly kind: 'backup-help' | 'restore-help'; readonly service: ServiceDefinition }
  | FileArguments;

/** `<service> backup --to F` and `<service> restore --from F`, each with the service's --config files. */
export interface FileArguments {
  readonly kind: 'backup' | 'restore';
  readonly service: ServiceDefinition;
  readonly configFiles: readonly string[];
  readonly file: string;
}

/** `<service> unseal --share-file F [--config F.yml]...`: one share, sent to the running service. */
export interface UnsealArguments {
  readonly kind: 'unseal';
  readonly service: ServiceDefinition;
  readonly configFiles: readonly string[];
  readonly shareFile: string;
}

/** What `cryptoutil up` was asked for: where the data lives, how far the ports move, which files configure it. */
export interface UpArguments {
  readonly dataDir: string;
  readonly portOffset: number;
  readonly configFiles: readonly string[];
}

/** The lowest and highest port a listener can be given (0 would mean "any free port"). */
const PORT_RANGE = { min: 1, max: 65_535 } as const;

/** How `init` splits the new unseal key. */
export interface InitSplit {
  readonly shares: number;
  readonly threshold: number;
}

/** DESIGN "The cryptoutil command": `init [--shares 5 --threshold 3]`. */
export const INIT_DEFAULTS: InitSplit = { shares: 5, threshold: 3 };

/** One row per constraint on the split, each blaming the flag the user has to change. */
const INIT_RULES: readonly { readonly flag: string; readonly fails: (split: InitSplit) => boolean; readonly reason: string }[] = [
  // Shamir over GF(2^8) numbers shares with one non-zero byte, and a lone share must never be the key.
  { flag: '--shares', fails: ({ shares }) => shares > MAX_SHARES, reason: `must be at most ${MAX_SHARES}` },
  { flag: '--shares', fails: ({ shares }) => shares < MIN_THRESHOLD, reason: `must be at least ${MIN_THRESHOLD}` },
  { flag: '--threshold', fails: ({ threshold }) => threshold < MIN_THRESHOLD, reason: `must be at least ${MIN_THRESHOLD}: a single share would be the key itself` },
  { flag: '--threshold', fails: ({ shares, threshold }) => threshold > shares, reason: 'must not exceed --shares' },
];

interface ActionSpec {
  readonly summary: string;
}

/** Service actions and what each does; the order is the order of the help text. */
export const serviceActions: Readonly<Record<ServiceAction, ActionSpec>> = {
  start: { summary: 'run the service (the container entry point)' },
  livez: { summary: 'exit 0 when the admin livez endpoint answers 200, else 1' },
  readyz: { summary: 'exit 0 when the admin readyz endpoint answers 200, else 1' },
  shutdown: { summary: 'ask the running service to drain and exit' },
  migrate: { summary: 'apply database migrations and exit' },
};

function isAction(value: string): value is ServiceAction {
  return Object.hasOwn(serviceActions, value);
}

function parseUp(args: readonly string[], services: readonly ServiceDefinition[]): Command {
  const { values, positionals } = usage(() => parseArgs({
    args: [...args],
    options: {
      'data-dir': { type: 'string' },
      'port-offset': { type: 'string' },
      config: { type: 'string', multiple: true, short: 'c' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  }));
  if (values.help === true) {
    return { kind: 'up-help' };
  }
  rejectPositionals(positionals, 'up');
  const dataDir = values['data-dir'];
  if (dataDir === '') {
    throw new UsageError('--data-dir needs a directory');
  }
  return {
    kind: 'up',
    dataDir: typeof dataDir === 'string' ? dataDir : '.cryptoutil',
    portOffset: portOffset(values['port-offset'], services),
    configFiles: values.config ?? [],
  };
}

/**
 * `--port-offset N`: an integer (negative too) that keeps every port of the suite a real port. A
 * port 0 (any free port, as tests define services) is not moved, so it is not checked either.
 */
function portOffset(value: string | undefined, services: readonly ServiceDefinition[]): number {
  if (value === undefined) return 0;
  if (!/^[+-]?\d+$/.test(value)) throw new UsageError('--port-offset must be a whole number, e.g. --port-offset 100');
  const offset = Number(value);
  const ports = services.flatMap((service) => [service.publicPort, service.upAdminPort]).filter((port) => port !== 0);
  const outside = ports.find((port) => port + offset < PORT_RANGE.min || port + offset > PORT_RANGE.max);
  if (outside !== undefined) {
    throw new UsageError(`--port-offset ${String(offset)} moves port ${String(outside)} to ${String(outside + offset)}, outside ${String(PORT_RANGE.min)}-${String(PORT_RANGE.max)}`);
  }
  return offset;
}

/** A port of the suite moved by `--port-offset`; port 0 stays "any free port". */
export function movedPort(port: number, offset: number): number {
  return port === 0 ? 0 : port + offset;
}

function count(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} must be a whole number`);
  return Number(value);
}

/** `<service> init`: only a service whose definition keeps secret material has an unseal key. */
function parseInit(service: ServiceDefinition, args: readonly string[]): Command {
  if (service.barrier !== true) {
    throw new UsageError(`${service.name} has no barrier: init creates unseal keys only for services that keep secret material`);
  }
  const { values, positionals } = usage(() => parseArgs({
    args: [...args],
    options: { shares: { type: 'string' }, threshold: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  }));
  if (values.help === true) return { kind: 'init-help', service };
  rejectPositionals(positionals, `${service.name} init`);
  const split: InitSplit = {
    shares: count('--shares', values.shares, INIT_DEFAULTS.shares),
    threshold: count('--threshold', values.threshold, INIT_DEFAULTS.threshold),
  };
  const broken = INIT_RULES.find((rule) => rule.fails(split));
  if (broken !== undefined) throw new UsageError(`${broken.flag} ${broken.reason}`);
  return { kind: 'init', service, ...split, json: values.json === true };
}

/** `<service> unseal`: like init, only for a service with a barrier. */
function parseUnseal(service: ServiceDefinition, args: readonly string[]): Command {
  if (service.barrier !== true) {
    throw new UsageError(`${service.name} has no barrier: there is nothing to unseal`);
  }
  const { values, positionals } = usage(() => parseArgs({
    args: [...args],
    options: { 'share-file': { type: 'string' }, config: { type: 'string', multiple: true, short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  }));
  if (values.help === true) return { kind: 'unseal-help', service };
  rejectPositionals(positionals, `${service.name} unseal`);
  const shareFile = values['share-file'];
  if (shareFile === undefined || shareFile === '') {
    throw new UsageError('--share-file F is required: a file holding one unseal share, as printed by init');
  }
  return { kind: 'unseal', service, configFiles: values.config ?? [], shareFile };
}

/** `<service> backup --to F` or `<service> restore --from F`. */
function parseFileAction(service: ServiceDefinition, action: 'backup' | 'restore', args: readonly string[]): Command {
  const flag = action === 'backup' ? 'to' : 'from';
  const { values, positionals } = usage(() => parseArgs({
    args: [...args],
    options: { [flag]: { type: 'string' }, config: { type: 'string', multiple: true, short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  }));
  if (values.help === true) return { kind: `${action}-help`, service };
  rejectPositionals(positionals, `${service.name} ${action}`);
  const file = values[flag];
  if (typeof file !== 'string' || file === '') {
    throw new UsageError(`--${flag} FILE is required: ${action === 'backup' ? 'where to write the backup (it must not exist yet)' : 'the backup to restore, as written by backup'}`);
  }
  return { kind: action, service, configFiles: values.config ?? [], file };
}

function parseService(name: string, args: readonly string[], services: readonly ServiceDefinition[]): Command {
  const service = services.find((candidate) => candidate.name === name);
  if (service === undefined) {
    const known = services.map((candidate) => candidate.name);
    throw new UsageError(`unknown command or service "${name}"; services: ${known.length === 0 ? '(none yet)' : known.join(', ')}`);
  }
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    return { kind: 'service-help', service };
  }
  if (action === 'init') {
    return parseInit(service, rest);
  }
  if (action === 'unseal') {
    return parseUnseal(service, rest);
  }
  if (action === 'backup' || action === 'restore') {
    return parseFileAction(service, action, rest);
  }
  if (!isAction(action)) {
    const actions = [...Object.keys(serviceActions), 'backup', 'restore', ...(service.barrier === true ? ['init', 'unseal'] : [])];
    throw new UsageError(`unknown action "${action}" for ${name}; actions: ${actions.join(', ')}`);
  }
  const { values, positionals } = usage(() => parseArgs({
    args: rest,
    options: { config: { type: 'string', multiple: true, short: 'c' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: true,
  }));
  rejectPositionals(positionals, `${name} ${action}`);
  return { kind: 'service', service, action, configFiles: values.config ?? [], help: values.help === true };
}

/** node:util parseArgs throws TypeErrors for unknown or malformed options: those are usage errors. */
function usage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function rejectPositionals(positionals: readonly string[], command: string): void {
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${String(positionals[0])}" for ${command}`);
  }
}

/** Parses `cryptoutil` arguments against the services that exist in this build. */
export function parseCommand(argv: readonly string[], services: readonly ServiceDefinition[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    return { kind: 'help' };
  }
  if (first === '--version' || first === 'version') {
    return { kind: 'version' };
  }
  if (first === 'up') {
    return parseUp(rest, services);
  }
  return parseService(first, rest, services);
}
