/**
 * identity-spa's own configuration keys: the identity-rp the console talks to (its origin is the only
 * one the page's Content-Security-Policy lets it connect to) and where identity-idp's account pages
 * are. The console reads both from `/config.json`.
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { UsageError } from '../template/errors/index.ts';

export interface SpaConfig {
  spa: {
    /** identity-rp's public URL (https), e.g. `https://rp.example`. */
    rpUrl: string;
    /** identity-idp's self-service account page (https), linked from the console's Security page; empty: no link. */
    accountUrl: string;
  };
}

export const spaConfigSchema: Schema<SpaConfig> = {
  spa: {
    rpUrl: { doc: 'Public https URL of identity-rp, the only server the console calls (its origin is the CSP connect-src).', format: String, default: '' },
    accountUrl: { doc: 'URL of identity-idp\'s account pages (https, e.g. https://idp.example/account) the console links to; empty: no link.', format: String, default: '' },
  },
};

/** Refuses to start (exit 2) without an https identity-rp to talk to. */
export function checkSpaConfig(config: SpaConfig): void {
  const { rpUrl } = config.spa;
  if (rpUrl === '') throw new UsageError('spa.rpUrl is required: the https URL of identity-rp');
  if (!isHttpsUrl(rpUrl)) throw new UsageError('spa.rpUrl must be an https URL');
  if (config.spa.accountUrl !== '' && !isHttpsUrl(config.spa.accountUrl)) throw new UsageError('spa.accountUrl must be an https URL');
}
