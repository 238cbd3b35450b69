/**
 * @peculiar/x509, ready to use: the Reflect metadata polyfill its dependency injection needs is loaded first (import order is
 * evaluation order) and Node's WebCrypto is its crypto provider. Import x509 from here, never directly.
 */
// @ts-nocheck

import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export { x509 };
