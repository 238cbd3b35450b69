/**
 * Rotating an issuing CA without downtime. `POST /cas/{name}/rotate` makes a new issuing CA under
 * the same intermediate and, in the same transaction, marks the old one `retiring` with the new one
 * as its successor. Enrollment, EST, ACME and time-stamps that name the old CA follow the successors
 * to the active CA; the retiring CA keeps signing its CRLs and OCSP answers for the certificates it
 * issued, and the retirement sweep marks it `retired` once the last of them has expired.
 */
import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from 'pino';
import { BadRequestError, ConflictError } from '../template/errors/index.ts';
import { x509 } from '../template/tls/x509.ts';
import type { CaKeyAlgorithm } from './contract.ts';
import type { PkiContext } from './context.ts';
import { DelegatedSigner } from './delegated-store.ts';
import { CertificateAuthority, IssuedCertificate } from './entities.ts';
import { prepareCa, presentCa, storeCa, type CaView } from './hierarchy.ts';
import { findCa } from './signers.ts';
import { loggableError } from '../template/middleware/problem-details.ts';

/** The body of `POST /cas/{name}/rotate`; every field has a default taken from the old CA. */
export interface RotationInput {
  readonly name?: string;
  readonly keyAlgorithm?: CaKeyAlgorithm;
  readonly subject?: string;
  readonly validityDays?: number;
}

/** `default` → `default-g2`, `default-g2` → `default-g3`: the name a rotation gives when none is asked for. */
export function nextGenerationName(name: string): string {
  const match = /^(.*)-g(\d{1,6})$/.exec(name);
  const next = match === null ? `${name}-g2` : `${String(match[1])}-g${String(Number(match[2]) + 1)}`;
  if (next.length > 63) throw new BadRequestError(`the next generation of ${name} would be longer than 63 characters; give the new CA a name`);
  return next;
}

/**
 * Rotates the issuing CA `name`: a new issuing CA under the same parent takes over its issuance.
 * The new key and certificate are made before the transaction; inside it, the new CA is stored and
 * the old one moves from `active` to `retiring` only if it still is active, so of two rotations at
 * once exactly one succeeds and the other stores nothing (409).
 */
export async function rotateCa(em: EntityManager, pki: PkiContext, name: string, input: RotationInput = {}): Promise<{ readonly retiring: CaView; readonly active: CaView }> {
  const old = await findCa(em, name);
  if (old.kind !== 'issuing') throw new BadRequestError(`CA ${name} is a ${old.kind} CA; only issuing CAs rotate`);
  if (old.status !== 'active') throw new ConflictError(await alreadyRotated(em, old));
  const parent = await em.findOneOrFail(CertificateAuthority, { id: old.parentId });
  const newName = input.name ?? nextGenerationName(name);
  const prepared = await prepareCa(em, pki, {
    name: newName,
    kind: 'issuing',
    parent: parent.name,
    keyAlgorithm: input.keyAlgorithm ?? old.keyAlgorithm as CaKeyAlgorithm,
    subject: input.subject ?? successorSubject(new x509.X509Certificate(old.certificate).subject, newName),
    validityDays: input.validityDays ?? pki.config.issuingValidityDays,
  });
  const successor = await em.transactional(async (tx) => {
    const stored = await storeCa(tx, prepared);
    const moved = await tx.nativeUpdate(CertificateAuthority, { id: old.id, status: 'active' }, { status: 'retiring', successorId: stored.id });
    if (moved !== 1) throw new ConflictError(`CA ${name} was rotated or retired meanwhile`);
    return stored;
  });
  const retiring = await em.fork().findOneOrFail(CertificateAuthority, { id: old.id });
  return {
    retiring: await presentCa(retiring, parent.name, successor.name),
    active: await presentCa(successor, parent.name),
  };
}

/** The old subject with its leading CN replaced by `Issuing CA <name>` (or such a CN put first). */
export function successorSubject(oldSubject: string, name: string): string {
  const cn = `CN=Issuing CA ${name}`;
  return oldSubject.startsWith("CN=") ? oldSubject.replace(/^CN=(?:\\.|[^,\\])*/, cn) : `${cn}, ${oldSubject}`;
}

/** Why `ca` cannot be rotated again. */
async function alreadyRotated(em: EntityManager, ca: CertificateAuthority): Promise<string> {
  if (ca.successorId === null) return `CA ${ca.name} is ${ca.status}`;
  const successor = await em.findOneOrFail(CertificateAuthority, { id: ca.successorId });
  return `CA ${ca.name} is ${ca.status}: it was rotated to ${successor.name}; rotate ${successor.name} instead`;
}

/**
 * Retires each retiring CA none of whose certificates is still valid at `now` (its own OCSP and TSA
 * signers aside: they exist only to serve the others). Returns the names retired. The update is
 * conditional, so replicas sweeping at once retire each CA once.
 */
export async function retireFinished(em: EntityManager, now: Date): Promise<string[]> {
  const retired: string[] = [];
  for (const ca of await em.find(CertificateAuthority, { status: 'retiring' })) {
    const delegated = await em.find(DelegatedSigner, { caId: ca.id }, { fields: ['certificate'] });
    const serials = delegated.map((signer) => new x509.X509Certificate(signer.certificate).serialNumber.toLowerCase());
    const live = await em.count(IssuedCertificate, { caId: ca.id, notAfter: { $gt: now }, ...(serials.length === 0 ? {} : { serialHex: { $nin: serials } }) });
    if (live > 0) continue;
    if (await em.nativeUpdate(CertificateAuthority, { id: ca.id, status: 'retiring' }, { status: 'retired' }) === 1) retired.push(ca.name);
  }
  return retired;
}

/** How often each process looks for retiring CAs whose last certificate has expired. */
export const RETIREMENT_SWEEP_MS = 3_600_000;

/** Runs `retireFinished` on an unreferenced timer; a failed sweep is logged and left to the next one. */
export class RetirementSweep {
  readonly #fork: () => EntityManager;
  readonly #now: () => Date;
  readonly #log: Pick<Logger, 'info' | 'error'>;
  #timer: NodeJS.Timeout | undefined;
  /** The sweep under way; a tick that finds one running does nothing. */
  #running: Promise<void> | undefined;

  constructor(fork: () => EntityManager, now: () => Date, log: Pick<Logger, 'info' | 'error'>) {
    this.#fork = fork;
    this.#now = now;
    this.#log = log;
  }

  /** One sweep now; what it retires is logged, and so is a failure. */
  async run(): Promise<void> {
    try {
      for (const ca of await retireFinished(this.#fork(), this.#now())) {
        this.#log.info({ ca }, `pki-ca: CA ${ca} is retired: the last certificate it issued has expired`);
      }
    } catch (error) {
      this.#log.error(loggableError(error), 'pki-ca: the retirement sweep failed; it runs again later');
    }
  }

  /** Starts the timer (unreferenced, so it never keeps the process alive). */
  start(intervalMs: number = RETIREMENT_SWEEP_MS): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.run().finally(() => { this.#running = undefined; });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep under way. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
