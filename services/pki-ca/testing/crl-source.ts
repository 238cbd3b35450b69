/**
 * An in-memory CrlSource for tests: CAs by name, revocations added by the test, and a switch that
 * makes every signer request fail as a sealed barrier does.
 */
import * as asn1js from 'asn1js';
import { BarrierSealedError } from '../../template/barrier/contract.ts';
import { x509 } from '../../template/tls/x509.ts';
import type { CaSigner } from '../contract.ts';
import type { RevokedEntry } from '../crl/build.ts';
import type { CrlSource } from '../crl/publisher.ts';
import type { ReasonName } from '../crl/reasons.ts';
import { testSerial } from './test-ca.ts';

async function* streamed(entries: readonly RevokedEntry[]): AsyncIterable<RevokedEntry> {
  for (const entry of entries) yield await Promise.resolve(entry);
}

/** A CrlSource backed by arrays; tests change it between publishes. */
export class MemoryCrlSource implements CrlSource {
  readonly signers = new Map<string, CaSigner>();
  readonly entries = new Map<string, RevokedEntry[]>();
  sealed = false;
  streaming = true;
  /** How many times `signer` was asked for, per CA: a test can tell whether a CRL was built. */
  readonly signerCalls = new Map<string, number>();
  /** Called before `signer` answers (a test can act as another replica there). */
  beforeSigner: (ca: string) => Promise<void> = () => Promise.resolve();

  constructor(signers: Readonly<Record<string, CaSigner>>) {
    for (const [name, signer] of Object.entries(signers)) this.signers.set(name, signer);
  }

  /** Revokes a certificate of `ca` (a new serial unless given) and returns its entry. */
  revoke(ca: string, revokedAt: Date, reason: ReasonName = 'keyCompromise', serialHex = testSerial()): RevokedEntry {
    const entry = { serialHex, revokedAt, reason };
    this.entries.set(ca, [...(this.entries.get(ca) ?? []), entry]);
    return entry;
  }

  caNames(): Promise<readonly string[]> {
    return Promise.resolve([...this.signers.keys()]);
  }

  async signer(ca: string): Promise<CaSigner> {
    this.signerCalls.set(ca, (this.signerCalls.get(ca) ?? 0) + 1);
    await this.beforeSigner(ca);
    if (this.sealed) throw new BarrierSealedError();
    const signer = this.signers.get(ca);
    if (signer === undefined) throw new Error(`no CA ${ca}`);
    return signer;
  }

  /** Answers as a database cursor would (async), or as a plain iterable when `streaming` is false. */
  revoked(ca: string, since?: Date): AsyncIterable<RevokedEntry> | Iterable<RevokedEntry> {
    const entries = (this.entries.get(ca) ?? []).filter((entry) => since === undefined || entry.revokedAt.getTime() >= since.getTime());
    return this.streaming ? streamed(entries) : entries;
  }
}

/** What tests check of a CRL: its number, the base it completes (delta), its times and serials. */
export interface CrlFacts {
  readonly number: bigint;
  readonly baseNumber: bigint | undefined;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly serials: readonly string[];
}

function integerExtension(crl: x509.X509Crl, oid: string): bigint | undefined {
  const found = crl.getExtension(oid);
  return found === null ? undefined : (asn1js.fromBER(found.value).result as asn1js.Integer).toBigInt();
}

/** Parses a (small) CRL with @peculiar/x509. */
export function readCrl(der: Uint8Array): CrlFacts {
  const crl = new x509.X509Crl(der);
  return {
    number: integerExtension(crl, '2.5.29.20') ?? -1n,
    baseNumber: integerExtension(crl, '2.5.29.27'),
    thisUpdate: crl.thisUpdate,
    nextUpdate: crl.nextUpdate,
    serials: crl.entries.map((entry) => entry.serialNumber.toLowerCase()),
  };
}
