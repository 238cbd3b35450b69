/**
 * HTML built from a tagged template that escapes every interpolated value unless it is already
 * HTML made here: a username, a client name or a scope can never become markup (OWASP XSS
 * Prevention Cheat Sheet, rule 1: encode before inserting into element content or attributes).
 */
// @ts-nocheck


/** Markup produced by `html` (and only by it): interpolated as is. */
export class Html {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}

/** Encodes the five characters that matter in element content and quoted attributes (`&` first). */
export function escapeHtml(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

type Interpolation = Html | string | number | readonly Html[];

function render(value: Interpolation): string {
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number') return String(value);
  if (value instanceof Html) return value.text;
  return value.map((item) => item.text).join('');
}

/** `html\`<p>${name}</p>\``: strings and numbers are escaped, Html and lists of Html are kept. */
export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  // String.raw interleaves its `raw` strings with the substitutions; given the cooked strings, it
  // joins the template exactly as written, with each value rendered in its place.
  return new Html(String.raw({ raw: strings }, ...values.map(render)));
}
