/**
 * identity-spa in `cryptoutil up`: the console talks to the suite's identity-rp, and its URL is
 * `credentials.json`'s `console_url`, the first thing a newcomer opens.
 */
import type { UpSuite } from '../template/service.ts';

const SPA = 'identity-spa';
const RP = 'identity-rp';
const IDP = 'identity-idp';

/** The console's URL in the suite (identity-rp registers it for CORS and as a place to come back to). */
export function consoleUrlOf(suite: UpSuite): string {
  return `${suite.publicUrl(SPA)}/`;
}

/** identity-idp's account pages in the suite, or '' when the suite does not run it. */
function accountUrl(suite: UpSuite): string {
  try {
    return `${suite.publicUrl(IDP)}/account`;
  } catch {
    return '';
  }
}

/** `spa.*` under `up`: the suite's identity-rp, and identity-idp's account pages. */
export function spaUpConfig(suite: UpSuite): Promise<object> {
  return Promise.resolve({ spa: { rpUrl: suite.publicUrl(RP), accountUrl: accountUrl(suite) } });
}

/** `credentials.json`'s `console_url`: open it in a browser and sign in as `admin`. */
export function spaUpCredentials(suite: UpSuite): Promise<{ readonly console_url: string }> {
  return Promise.resolve({ console_url: consoleUrlOf(suite) });
}
