/**
 * identity-idp's own configuration keys (DESIGN "Configuration"): session lifetime, per-account
 * lockout and per-address throttling of failed logins. Defaults follow OWASP's Authentication
 * Cheat Sheet: a short lockout after a handful of failures, never a permanent one.
 */
import type { Schema } from 'convict';
import { isHttpsUrl } from '../template/auth/discovery.ts';
import { UsageError } from '../template/errors/index.ts';

export interface IdpConfig {
  idp: {
    /** The base URL browsers and identity-authz know this service by; empty means the listener's. */
    publicUrl: string;
    sessionTtlSeconds: number;
    lockout: { maxFailures: number; seconds: number };
    throttle: { maxFailures: number; windowSeconds: number };
    mfa: { required: boolean; requiredGroups: string[] };
    bootstrapAdmin: { username: string; password: string };
  };
}

const positive = 'nat';

/** The users API's minimum (openapi.yaml `Password`). */
const MIN_PASSWORD_LENGTH = 12;

export const idpConfigSchema: Schema<IdpConfig> = {
  idp: {
    publicUrl: { doc: 'Public base URL (https, as identity-authz\'s authz.idpUrl names it); empty means the public listener URL.', format: String, default: '' },
    sessionTtlSeconds: { doc: 'Lifetime of a login session (cookie __Host-idp_session) in seconds.', format: positive, default: 28_800 },
    lockout: {
      maxFailures: { doc: 'Failed passwords in a row after which an account is locked.', format: positive, default: 5 },
      seconds: { doc: 'How long a locked account stays locked, in seconds.', format: positive, default: 900 },
    },
    throttle: {
      maxFailures: { doc: 'Failed logins one client address may make per window before it gets 429.', format: positive, default: 20 },
      windowSeconds: { doc: 'Length of the per-address failed-login window, in seconds.', format: positive, default: 300 },
    },
    mfa: {
      required: { doc: 'Every user needs a second factor (TOTP or a passkey) to sign in; one without any is refused with unmet_authentication_requirements.', format: Boolean, default: false },
      requiredGroups: { doc: 'Groups whose members need a second factor to sign in, whatever the client asks for.', format: Array, default: [] },
    },
    bootstrapAdmin: {
      username: { doc: 'A user in the built-in admin group, created at start (empty: none); `cryptoutil up` makes `admin`.', format: String, default: '' },
      password: { doc: 'Its password, set anew at every start (use a file:// reference).', format: String, default: '', sensitive: true },
    },
  },
};

/** Zero would switch a protection off silently (no lockout, an empty window): refuse to start, exit 2. */
export function checkIdpConfig(config: IdpConfig): void {
  const { idp } = config;
  const values: readonly [string, number][] = [
    ['idp.sessionTtlSeconds', idp.sessionTtlSeconds],
    ['idp.lockout.maxFailures', idp.lockout.maxFailures],
    ['idp.lockout.seconds', idp.lockout.seconds],
    ['idp.throttle.maxFailures', idp.throttle.maxFailures],
    ['idp.throttle.windowSeconds', idp.throttle.windowSeconds],
  ];
  for (const [key, value] of values) {
    if (value < 1) throw new UsageError(`${key} must be at least 1`);
  }
  if (idp.bootstrapAdmin.username !== '' && idp.bootstrapAdmin.password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`idp.bootstrapAdmin.password must be at least ${String(MIN_PASSWORD_LENGTH)} characters when idp.bootstrapAdmin.username is set`);
  }
  if (idp.publicUrl !== '' && !isHttpsUrl(idp.publicUrl)) {
    throw new UsageError('idp.publicUrl must be an https URL');
  }
}

/** This service's own URL: configured (behind an ingress) or the bound listener's. */
export function idpPublicUrl(config: IdpConfig, listenerUrl: () => string): string {
  return config.idp.publicUrl === '' ? listenerUrl() : config.idp.publicUrl.replace(/\/+$/, '');
}
