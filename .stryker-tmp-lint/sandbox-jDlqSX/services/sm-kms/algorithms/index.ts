/**
 * sm-kms cryptography: one algorithm table (issue "sm-kms" point 2) and the JOSE operations a
 * material key performs (point 4). Handlers resolve a row and call these; none branches on a name.
 */
// @ts-nocheck

export * from './contract.ts';
export { ALGORITHM_NAMES, resolveAlgorithm, drawsRandomIvUnderKey } from './table.ts';
export { UnsupportedAlgorithmError, DecryptionFailedError } from './errors.ts';
export { generateKeyMaterial, importKeyMaterial, prepareKey, type PreparedKey } from './key-material.ts';
export { encrypt, decrypt } from './jwe.ts';
export { sign, verify } from './jws.ts';
export { readJoseHeader } from './header.ts';
export { DATA_KEY_SPECS, parseDataKeySpec, generateDataKey } from './data-keys.ts';
