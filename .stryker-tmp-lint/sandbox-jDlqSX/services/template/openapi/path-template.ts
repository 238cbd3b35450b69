/**
 * OpenAPI path templates (`/pets/{id}`, OpenAPI 3.1 §4.8.8) turned into @koa/router paths
 * (path-to-regexp 8: `/pets/:id`), escaping what path-to-regexp would otherwise read as syntax.
 */
// @ts-nocheck


const TEMPLATE_EXPRESSION = /\{[^{}/]+\}/g;
// path-to-regexp 8 treats these as syntax in literal text.
const PATH_SYNTAX = /[{}()[\]+?!:*\\]/g;
const IDENTIFIER = /^[$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*$/u;

/** The parameter names a path template declares, in order. */
export function templateParameterNames(path: string): string[] {
  return [...path.matchAll(TEMPLATE_EXPRESSION)].map((match) => match[0].slice(1, -1));
}

function koaParameter(name: string): string {
  return IDENTIFIER.test(name) ? `:${name}` : `:"${name.replaceAll(/["\\]/g, '\\$&')}"`;
}

/** The @koa/router path for an OpenAPI path template. */
export function toKoaPath(path: string): string {
  let koaPath = '';
  let last = 0;
  for (const match of path.matchAll(TEMPLATE_EXPRESSION)) {
    koaPath += path.slice(last, match.index).replaceAll(PATH_SYNTAX, '\\$&') + koaParameter(match[0].slice(1, -1));
    last = match.index + match[0].length;
  }
  return koaPath + path.slice(last).replaceAll(PATH_SYNTAX, '\\$&');
}
