/**
 * In-memory stand-ins for the key-set side (KeySource, OperationAudit) and a minimal request
 * context, so the operations are tested without storage, HTTP or the barrier.
 */
import { sign as cryptoSign } from 'node:crypto';
import type { JWK } from 'jose';
import { NotFoundError, ProblemError } from '../../../template/errors/index.ts';
import { prepareKey, resolveAlgorithm } from '../../../template/jose/index.ts';
import type { KeyMaterial, PreparedKey } from '../../../template/jose/index.ts';
import { testMaterial } from '../../../template/jose/testing/fixtures.ts';
import type { OperationContext, OperationHandlers, Principal } from '../../../template/service.ts';
import type { KeyChoice, KeySource, OperationAudit, OperationRecord } from '../../ports.ts';

export interface TestSetOptions {
  readonly name: string;
  readonly alg: string;
  readonly retired?: number;
  readonly tokenType?: string;
  readonly paired?: KeyChoice;
}

/** A set's keys as the operations see them, with the material for checks by jose. */
export interface TestSet {
  readonly choice: KeyChoice;
  readonly active: KeyMaterial;
  readonly retired: readonly KeyMaterial[];
  /** Published but not yet usable. */
  readonly next: KeyMaterial;
}

export const ISSUER_BASE = 'https://ja.example/jwks/';

/** A set of one active key, `retired` retired keys and one next key, all of the row `alg`. */
export async function testSet(options: TestSetOptions): Promise<TestSet> {
  const row = resolveAlgorithm(options.alg);
  const material = (kid: string) => testMaterial(row, `${options.name}-${kid}`);
  const active = await material('active');
  const retired = await Promise.all(Array.from({ length: options.retired ?? 0 }, (_, index) => material(`retired-${String(index)}`)));
  const next = await material('next');
  const activeKey = prepareKey(row, active);
  const settings = { name: options.name, use: row.use, alg: row.name, issuer: `${ISSUER_BASE}${options.name}`, tokenType: options.tokenType ?? 'JWT' };
  const usable = [activeKey, ...retired.map((key) => prepareKey(row, key))];
  const choice: KeyChoice = options.paired === undefined ? { settings, active: activeKey, usable } : { settings, active: activeKey, usable, paired: options.paired };
  return { choice, active, retired, next };
}

export class MemoryKeySource implements KeySource {
  readonly #sets = new Map<string, KeyChoice>();

  constructor(sets: readonly KeyChoice[]) {
    for (const set of sets) this.#sets.set(set.settings.name, set);
  }

  keys(name: string): Promise<KeyChoice> {
    const choice = this.#sets.get(name);
    return choice === undefined ? Promise.reject(new NotFoundError(`no key set ${name}`)) : Promise.resolve(choice);
  }
}

export interface AuditRow {
  readonly actor: { readonly subject: string; readonly clientId: string };
  readonly entry: OperationRecord;
}

export class MemoryAudit implements OperationAudit {
  readonly rows: AuditRow[] = [];

  record(actor: AuditRow['actor'], entry: OperationRecord): Promise<void> {
    this.rows.push({ actor: { subject: actor.subject, clientId: actor.clientId }, entry });
    return Promise.resolve();
  }

  /** The entry of the only row, taking it away so the next call starts clean. */
  take(): OperationRecord {
    const [row, ...more] = this.rows.splice(0);
    if (row === undefined || more.length > 0) throw new Error(`expected one audit row, found ${String(more.length + (row === undefined ? 0 : 1))}`);
    return row.entry;
  }
}

export const CALLER: Principal = { subject: 'svc-orders', clientId: 'orders', kind: 'service', scopes: new Set(['ja:sign']), expiresAt: 4_102_444_800 };

export interface TestRequest {
  readonly name: string;
  readonly body?: unknown;
  readonly query?: Record<string, unknown>;
  readonly principal?: Principal | null;
}

export interface TestAnswer {
  readonly body: unknown;
  readonly type: string;
}

/** Runs one handler on a minimal context: the state the template would have set, and the two fields handlers write. */
export async function call(handlers: OperationHandlers, operationId: string, request: TestRequest): Promise<TestAnswer> {
  const principal = request.principal === null ? undefined : request.principal ?? CALLER;
  const ctx = {
    state: { requestId: 'r', principal, params: { name: request.name }, query: request.query ?? {}, body: request.body },
    body: undefined as unknown,
    type: '',
  };
  const handler = handlers[operationId];
  if (handler === undefined) throw new Error(`no handler ${operationId}`);
  await handler(ctx as unknown as OperationContext);
  return { body: ctx.body, type: ctx.type };
}

/** An ES256 compact JWS over any header and payload, for tokens the service would never make. */
export function signEs256(key: PreparedKey, header: object, payload: string | Uint8Array): string {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = cryptoSign('sha256', Buffer.from(input), { key: key.secretOrPrivate, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** The public JWK of asymmetric material. */
export function publicOf(material: KeyMaterial): JWK {
  if (material.publicJwk === undefined) throw new Error(`${material.kid} has no public JWK`);
  return material.publicJwk;
}

/** The ProblemError a call rejects with; fails the test when it resolves or throws anything else. */
export async function problemOf(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error: unknown) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a problem, the call succeeded');
}
