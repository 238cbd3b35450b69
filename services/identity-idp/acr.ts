/**
 * Authentication context classes (OIDC Core §2 `acr`) of the identity suite, shared by
 * identity-authz (discovery, the interaction policy, the ID token) and identity-idp (step-up).
 * Three levels, each satisfying the ones below it:
 *
 * - `urn:cryptoutil:acr:pwd`: one factor (the password);
 * - `urn:cryptoutil:acr:mfa`: two factors (password and a one-time code or a passkey), or a passkey
 *   alone, which is user-verified (a PIN or a biometric unlocks a key the device holds);
 * - `urn:cryptoutil:acr:phr`: phishing-resistant, a passkey took part (its signature is bound to
 *   this origin, so a look-alike site cannot relay it).
 *
 * The level comes from the login's `amr` (RFC 8176 §2) alone, so both services derive the same one.
 */

export const ACR_PWD = 'urn:cryptoutil:acr:pwd';
export const ACR_MFA = 'urn:cryptoutil:acr:mfa';
export const ACR_PHR = 'urn:cryptoutil:acr:phr';

/** Every value, weakest first: the discovery document's `acr_values_supported`. */
export const ACR_VALUES = [ACR_PWD, ACR_MFA, ACR_PHR] as const;

export type Acr = (typeof ACR_VALUES)[number];

/** Whether `value` is one of ours (anything else in `acr_values` is ignored). */
export function isAcr(value: unknown): value is Acr {
  return ACR_VALUES.some((acr) => acr === value);
}

/** The rank of a level: a higher one satisfies every lower one. */
export function acrRank(acr: Acr): number {
  return ACR_VALUES.indexOf(acr);
}

/** Whether `achieved` meets `required`. */
export function satisfies(achieved: Acr, required: Acr): boolean {
  return acrRank(achieved) >= acrRank(required);
}

/** The stronger of two levels. */
export function stronger(a: Acr, b: Acr): Acr {
  return acrRank(a) >= acrRank(b) ? a : b;
}

/** The level a login reached, from its `amr`: a passkey (`hwk`, `swk`) is phr, `mfa` is mfa, else pwd. */
export function acrOf(amr: readonly string[]): Acr {
  if (amr.includes('hwk') || amr.includes('swk')) return ACR_PHR;
  return amr.includes('mfa') ? ACR_MFA : ACR_PWD;
}

/**
 * The level an authorization request asks for (OIDC Core §3.1.2.1 `acr_values`: space-separated,
 * in order of preference, any of them acceptable): the weakest of our values it names, or
 * undefined when it names none of ours (unknown values are ignored; `acr` is a voluntary claim).
 */
export function requestedAcr(acrValues: unknown): Acr | undefined {
  if (typeof acrValues !== 'string') return undefined;
  const known = acrValues.split(' ').filter(isAcr);
  if (known.length === 0) return undefined;
  return known.reduce((weakest, acr) => (acrRank(acr) < acrRank(weakest) ? acr : weakest));
}
