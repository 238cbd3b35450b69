/**
 * Every service in this build, in the order of the DESIGN table (which is also the order in which
 * `cryptoutil up` starts them and assigns admin ports 9090 + row).
 */
import type { ServiceDefinition } from './template/service.ts';
import { authz } from './authz-definition.ts';
import { identityIdp } from './identity-idp/index.ts';
import { identityRp } from './identity-rp/index.ts';
import { identityRs } from './identity-rs/index.ts';
import { identitySpa } from './identity-spa/index.ts';
import { joseJa } from './jose-ja/index.ts';
import { learnPs } from './learn-ps/index.ts';
import { pkiCa } from './pki-ca/index.ts';
import { smKms } from './sm-kms/index.ts';

/**
 * identity-rp is no resource server: it holds no API of its own, it signs users in and calls theirs.
 * identity-spa neither: it serves the console's files, which call identity-rp.
 */
export const services: readonly ServiceDefinition[] = [smKms, authz, identityIdp, identityRs, identityRp, identitySpa, joseJa, pkiCa, learnPs];
