/**
 * The X.509 extensions an issuance plan turns into: constraints, key usages, names, identifiers,
 * and the CRL distribution point and authority information access URLs of the issuing CA.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { GeneralName, GeneralSubtree, GeneralSubtrees, NameConstraints, id_ce_nameConstraints } from '@peculiar/asn1-x509';
import { x509 } from '../template/tls/x509.ts';
import type { IssuancePlan, KeyUsageName, NameConstraintsPlan, SubjectAltName } from './contract.ts';

/** RFC 6960 §4.2.2.2.1 id-pkix-ocsp-nocheck. */
export const OCSP_NO_CHECK_OID = '1.3.6.1.5.5.7.48.1.5';

/** The DER of ASN.1 NULL, the value of the OCSP no-check extension. */
const ASN1_NULL = new Uint8Array([0x05, 0x00]);

/** RFC 5280 key usage names to the bits of @peculiar/x509. */
const KEY_USAGE_FLAGS: Readonly<Record<KeyUsageName, x509.KeyUsageFlags>> = {
  digitalSignature: x509.KeyUsageFlags.digitalSignature,
  nonRepudiation: x509.KeyUsageFlags.nonRepudiation,
  keyEncipherment: x509.KeyUsageFlags.keyEncipherment,
  dataEncipherment: x509.KeyUsageFlags.dataEncipherment,
  keyAgreement: x509.KeyUsageFlags.keyAgreement,
  keyCertSign: x509.KeyUsageFlags.keyCertSign,
  cRLSign: x509.KeyUsageFlags.cRLSign,
  encipherOnly: x509.KeyUsageFlags.encipherOnly,
  decipherOnly: x509.KeyUsageFlags.decipherOnly,
};

/** Plan SAN types to the general name types of @peculiar/x509. */
const SAN_TYPES: Readonly<Record<SubjectAltName['type'], x509.GeneralNameType>> = { dns: 'dns', ip: 'ip', email: 'email', uri: 'url' };

/** The key usage bits of a plan; undefined when it names none. */
export function keyUsageFlags(names: readonly KeyUsageName[]): x509.KeyUsageFlags | undefined {
  const [first, ...rest] = names.map((name) => KEY_USAGE_FLAGS[name]);
  return first === undefined ? undefined : rest.reduce((flags, flag) => flags | flag, first);
}

function subtrees(dns: readonly string[] = [], ip: readonly string[] = [], email: readonly string[] = []): GeneralSubtrees | undefined {
  const names = [
    ...dns.map((dNSName) => new GeneralName({ dNSName })),
    ...ip.map((iPAddress) => new GeneralName({ iPAddress })),
    ...email.map((rfc822Name) => new GeneralName({ rfc822Name })),
  ];
  return names.length === 0 ? undefined : new GeneralSubtrees(names.map((base) => new GeneralSubtree({ base })));
}

/** RFC 5280 §4.2.1.10 name constraints, critical. */
export function nameConstraintsExtension(plan: NameConstraintsPlan): x509.Extension {
  const permitted = subtrees(plan.permittedDns, plan.permittedIp, plan.permittedEmail);
  const excluded = subtrees(plan.excludedDns, plan.excludedIp);
  const value = new NameConstraints({ ...(permitted === undefined ? {} : { permittedSubtrees: permitted }), ...(excluded === undefined ? {} : { excludedSubtrees: excluded }) });
  return new x509.Extension(id_ce_nameConstraints, true, AsnConvert.serialize(value));
}

/** The URLs a certificate issued by the CA `issuerName` names for its issuer's CRL, certificate and OCSP responder. */
export interface IssuerUrls {
  readonly crl: string;
  readonly caIssuers: string;
  readonly ocsp: string;
}

/** The public URLs of the CA `issuerName` under `base` (no trailing slash). */
export function issuerUrls(base: string, issuerName: string): IssuerUrls {
  const name = encodeURIComponent(issuerName);
  return { crl: `${base}/pki/v1/crl/${name}.crl`, caIssuers: `${base}/pki/v1/ca/${name}.crt`, ocsp: `${base}/pki/v1/ocsp/${name}` };
}

/** What the extensions of one certificate depend on besides the plan. */
export interface ExtensionInputs {
  readonly plan: IssuancePlan;
  readonly subjectPublicKey: x509.PublicKey;
  readonly issuerPublicKey: x509.PublicKey;
  /** Absent for a self-signed certificate (a root names no issuer URLs). */
  readonly urls?: IssuerUrls;
}

/** Every extension of a certificate, in a fixed order. */
export async function certificateExtensions(inputs: ExtensionInputs): Promise<x509.Extension[]> {
  const { plan } = inputs;
  const extensions: x509.Extension[] = [
    plan.ca === undefined ? new x509.BasicConstraintsExtension(false, undefined, true) : new x509.BasicConstraintsExtension(true, plan.ca.pathLength, true),
  ];
  const usage = keyUsageFlags(plan.keyUsage);
  if (usage !== undefined) extensions.push(new x509.KeyUsagesExtension(usage, true));
  if (plan.extendedKeyUsage.length > 0) extensions.push(new x509.ExtendedKeyUsageExtension([...plan.extendedKeyUsage], plan.extendedKeyUsageCritical === true));
  if (plan.subjectAltNames.length > 0) {
    // RFC 5280 §4.2.1.6: with an empty subject the SAN carries the identity and is critical.
    extensions.push(new x509.SubjectAlternativeNameExtension(plan.subjectAltNames.map((name) => ({ type: SAN_TYPES[name.type], value: name.value })), plan.subject === ''));
  }
  if (plan.nameConstraints !== undefined) extensions.push(nameConstraintsExtension(plan.nameConstraints));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(inputs.subjectPublicKey));
  extensions.push(await x509.AuthorityKeyIdentifierExtension.create(inputs.issuerPublicKey));
  if (inputs.urls !== undefined) {
    extensions.push(new x509.CRLDistributionPointsExtension([inputs.urls.crl]));
    extensions.push(new x509.AuthorityInfoAccessExtension({ caIssuers: inputs.urls.caIssuers, ocsp: inputs.urls.ocsp }));
  }
  if (plan.ocspNoCheck === true) extensions.push(new x509.Extension(OCSP_NO_CHECK_OID, false, ASN1_NULL));
  return extensions;
}
