/**
 * The JOSE cryptography sm-kms and jose-ja share: one algorithm table and the operations a key
 * performs (JWE, JWS, data keys). Handlers resolve a row and call these; none branches on a name.
 */
export * from './contract.ts';
export { ALGORITHM_NAMES, resolveAlgorithm, drawsRandomIvUnderKey } from './table.ts';
export { UnsupportedAlgorithmError, DecryptionFailedError } from './errors.ts';
export { generateKeyMaterial, importKeyMaterial, prepareKey, type PreparedKey } from './key-material.ts';
export { encrypt, decrypt } from './jwe.ts';
export { sign, verify, type JwsHeaderExtras } from './jws.ts';
export { readJoseHeader } from './header.ts';
export { DATA_KEY_SPECS, parseDataKeySpec, generateDataKey } from './data-keys.ts';
