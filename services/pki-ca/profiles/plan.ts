/**
 * The issuance plan a profile makes of a CSR that passed every rule: the subject and SANs as asked,
 * the profile's key usage adapted to the key, EKU OIDs, and the CA, name-constraint and OCSP
 * no-check parts the profile states.
 */
import type { IssuancePlan, SubjectAltName } from '../contract.ts';
import type { CsrFacts } from './csr-facts.ts';
import { extendedKeyUsageOid } from './eku.ts';
import { keyUsageFor } from './key-usage.ts';
import type { Profile, ProfileKeyType } from './schema.ts';

/** The plan for a CSR the rules accepted (its key type is one the profile allows, its SANs of allowed types). */
export function planIssuance(profile: Profile, csr: CsrFacts, validityDays: number): IssuancePlan {
  return {
    profile: profile.name,
    subject: csr.subject,
    subjectAltNames: csr.subjectAltNames as readonly SubjectAltName[],
    validityDays,
    keyUsage: keyUsageFor(profile.keyUsage, csr.key.type as ProfileKeyType),
    extendedKeyUsage: (profile.extendedKeyUsage?.usages ?? []).map(extendedKeyUsageOid),
    extendedKeyUsageCritical: profile.extendedKeyUsage?.critical === true,
    ...(profile.ca === undefined ? {} : { ca: { ...profile.ca } }),
    ...(profile.nameConstraints === undefined ? {} : { nameConstraints: { ...profile.nameConstraints } }),
    ocspNoCheck: profile.requiredExtensions?.includes('ocspNoCheck') === true,
    publicTls: profile.publicTls === true,
  };
}
