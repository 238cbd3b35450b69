/**
 * Label selectors (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`) and field selectors:
 * `metadata.name`, `metadata.namespace` on every type, plus the fields a type declares (Events:
 * `involvedObject.*`, as `kubectl describe` sends). Any other field is refused, as the API server does.
 */
import { errors, type KObject } from './objects.ts';

type Matcher = (object: KObject) => boolean;

/** Splits on commas that are not inside parentheses. */
function terms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of selector) {
    if (char === '(') depth += 1;
    if (char === ')') depth -= 1;
    if (char === ',' && depth === 0) {
      out.push(current.trim());
      current = '';
    } else current += char;
  }
  if (current.trim() !== '') out.push(current.trim());
  return out;
}

function labelTerm(term: string): Matcher {
  const labels = (object: KObject): Record<string, string> => object.metadata.labels ?? {};
  const set = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/u.exec(term);
  if (set !== null) {
    const [, name = '', operator, list = ''] = set;
    const values = list.split(',').map((value) => value.trim());
    return operator === 'in'
      ? (object) => values.includes(labels(object)[name] ?? '\u0000')
      : (object) => !values.includes(labels(object)[name] ?? '\u0000');
  }
  const equality = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/u.exec(term);
  if (equality !== null) {
    const [, name = '', operator, value] = equality;
    return operator === '!=' ? (object) => labels(object)[name] !== value : (object) => labels(object)[name] === value;
  }
  const exists = /^(!?)([\w./-]+)$/u.exec(term);
  if (exists !== null) {
    const [, not, name = ''] = exists;
    return not === '!' ? (object) => !(name in labels(object)) : (object) => name in labels(object);
  }
  throw errors.badRequest(`unable to parse requirement: ${term}`);
}

const fields: Record<string, (object: KObject) => string> = {
  'metadata.name': (object) => object.metadata.name,
  'metadata.namespace': (object) => object.metadata.namespace ?? '',
};

function fieldTerm(term: string, extra: Readonly<Record<string, (object: KObject) => string>>): Matcher {
  const match = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/u.exec(term);
  const name = match?.[1] ?? '';
  const read = match === null ? undefined : (Object.hasOwn(fields, name) ? fields[name] : Object.hasOwn(extra, name) ? extra[name] : undefined);
  if (match === null || read === undefined) throw errors.badRequest(`field label not supported: ${term}`);
  const value = match[3];
  return match[2] === '!=' ? (object) => read(object) !== value : (object) => read(object) === value;
}

/** One matcher for both selectors of a list or watch request. */
export function selector(labelSelector: string | null, fieldSelector: string | null, extraFields: Readonly<Record<string, (object: KObject) => string>> = {}): Matcher {
  const matchers = [...terms(labelSelector ?? '').map(labelTerm), ...terms(fieldSelector ?? '').map((term) => fieldTerm(term, extraFields))];
  return (object) => matchers.every((match) => match(object));
}
