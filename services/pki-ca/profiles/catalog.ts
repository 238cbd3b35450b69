/**
 * The profile catalog of one pki-ca: the built-in profiles (the YAML files beside this module) and
 * any `*.yaml` of the operator's profile directory, a same-named file replacing the built-in.
 * `plan` reads the CSR once, runs the rule table in order and refuses on the first broken rule.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NotFoundError } from '../../template/errors/index.ts';
import type { EnrollmentRequest, IssuancePlan, ProfileCatalog, ProfileSummary } from '../contract.ts';
import { readCsr } from './csr-facts.ts';
import { parseProfileDocument } from './document.ts';
import { ProfileRuleError } from './errors.ts';
import { keyRuleLabels } from './key-algorithms.ts';
import { planIssuance } from './plan.ts';
import { profileRules } from './rules.ts';
import type { Profile } from './schema.ts';

/** Where the built-in profiles live (copied beside the compiled module by the build). */
export const builtInProfilesDir = fileURLToPath(new URL('.', import.meta.url));

/** Where to find profiles beyond the built-in ones. */
export interface ProfileCatalogOptions {
  /** A directory whose `*.yaml` files add profiles or replace built-in ones of the same file name. */
  readonly dir?: string;
}

/** Every `*.yaml` file of `dir`, by file name. */
async function yamlFiles(dir: string): Promise<Map<string, string>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new Error(`profile directory ${dir}: ${(error as Error).message}`, { cause: error });
  }
  return new Map(names.filter((name) => name.endsWith('.yaml')).sort().map((name) => [name, join(dir, name)]));
}

/** The summary of a profile as `GET /profiles` lists it. */
export function summarize(profile: Profile): ProfileSummary {
  return {
    name: profile.name,
    description: profile.description,
    kind: profile.kind,
    keyAlgorithms: profile.keyAlgorithms.flatMap(keyRuleLabels),
    defaultValidityDays: profile.validity.defaultDays,
    maxValidityDays: profile.validity.maxDays,
  };
}

/** The plan of `request` under `profile`, or a ProfileRuleError naming the first rule it breaks. */
export async function planWithProfile(profile: Profile, request: EnrollmentRequest): Promise<IssuancePlan> {
  const csr = await readCsr(request.csr);
  const validityDays = request.validityDays ?? profile.validity.defaultDays;
  for (const rule of profileRules) {
    const reason = rule.check({ profile, csr, validityDays });
    if (reason !== undefined) throw new ProfileRuleError(profile.name, rule.name, reason);
  }
  return planIssuance(profile, csr, validityDays);
}

/** The catalog of the built-in profiles and those of `options.dir`; an invalid file throws naming it. */
export async function loadProfileCatalog(options: ProfileCatalogOptions = {}): Promise<ProfileCatalog> {
  const files = await yamlFiles(builtInProfilesDir);
  if (options.dir !== undefined) for (const [name, path] of await yamlFiles(options.dir)) files.set(name, path);
  const profiles = new Map<string, Profile>();
  for (const path of files.values()) {
    const profile = parseProfileDocument(await readFile(path, 'utf8'), path);
    profiles.set(profile.name, profile);
  }
  const ordered = [...profiles.values()].sort((a, b) => a.name.localeCompare(b.name));
  return {
    list: () => ordered.map(summarize),
    get: (name) => {
      const profile = profiles.get(name);
      return profile === undefined ? undefined : { summary: summarize(profile), document: structuredClone(profile) };
    },
    plan: async (name, request) => {
      const profile = profiles.get(name);
      if (profile === undefined) throw new NotFoundError(`no profile named ${name}`);
      return await planWithProfile(profile, request);
    },
  };
}
