/**
 * Rules on the subject public key and the key usages it allows (BR §6.1.5, §6.1.6; RFC 5480 §3;
 * RFC 8410 §5).
 */
import { x509 } from '../../../template/tls/x509.ts';
import type { LintRule } from '../view.ts';

/** BR §6.1.5: RSA moduli of at least 2048 bits. */
const MIN_RSA_BITS = 2048;
/** BR §6.1.5: P-256, P-384 or P-521 (OpenSSL's names). */
const allowedCurves: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1', 'secp521r1']);
/** RFC 5480 §3: an ECDSA key neither enciphers keys nor data. */
const ecdsaForbiddenUsages = x509.KeyUsageFlags.keyEncipherment | x509.KeyUsageFlags.dataEncipherment;
/** RFC 8410 §5: an Ed25519 certificate's key usage holds only these bits. */
const ed25519AllowedUsages = x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation | x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign;

/** The rules on keys, in table order. */
export const keyRules: readonly LintRule[] = [
  {
    name: 'e_rsa_mod_less_than_2048_bits',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §6.1.5',
    description: 'An RSA modulus is at least 2048 bits.',
    applies: (certificate) => certificate.publicKey.type === 'rsa',
    check: (certificate) => {
      const bits = certificate.publicKey.modulusLength;
      return bits < MIN_RSA_BITS ? `RSA modulus is ${bits} bits` : undefined;
    },
  },
  {
    name: 'e_ec_improper_curves',
    level: 'error',
    source: 'CABF_BR',
    citation: 'BR §6.1.5',
    description: 'An EC key is on P-256, P-384 or P-521.',
    applies: (certificate) => certificate.publicKey.type === 'ec',
    check: (certificate) => {
      const curve = certificate.publicKey.namedCurve;
      return allowedCurves.has(curve) ? undefined : `EC key is on curve ${curve}`;
    },
  },
  {
    name: 'e_ecdsa_ee_invalid_ku',
    level: 'error',
    source: 'RFC5480',
    citation: 'RFC 5480 §3',
    description: 'An end-entity certificate with an EC key asserts neither keyEncipherment nor dataEncipherment.',
    applies: (certificate) => certificate.publicKey.type === 'ec' && !certificate.isCa,
    check: (certificate) => ((certificate.keyUsageBits & ecdsaForbiddenUsages) === 0 ? undefined : 'EC key with keyEncipherment or dataEncipherment'),
  },
  {
    name: 'e_key_usage_incorrect',
    level: 'error',
    source: 'RFC8410',
    citation: 'RFC 8410 §5',
    description: 'An Ed25519 certificate asserts only digitalSignature, nonRepudiation, keyCertSign and cRLSign.',
    applies: (certificate) => certificate.publicKey.type === 'ed25519',
    check: (certificate) => ((certificate.keyUsageBits & ~ed25519AllowedUsages) === 0 ? undefined : 'Ed25519 key with a key usage other than signing'),
  },
];
