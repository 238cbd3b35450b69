// @ts-check
// Building the page from elements and text nodes only: nothing a server or a user sent is ever
// parsed as HTML, so a pet named `<img onerror=...>` is shown as those characters.

/**
 * @typedef {string | number | boolean | undefined | ((event: Event) => void)} Prop
 * @typedef {Node | string | null | undefined | false} Child
 */

/**
 * An element with attributes (`on…` keys become listeners) and children (strings become text).
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, Prop>} [props]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (typeof value === 'function') element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else if (value !== undefined && value !== false) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return element;
}

let unique = 0;

/** A fresh id for a label's `for`. @param {string} stem */
export function idFor(stem) {
  unique += 1;
  return `${stem}-${String(unique)}`;
}

/**
 * A labelled input (or select, or textarea) in its own row.
 * @param {string} label
 * @param {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | HTMLOutputElement} control
 * @param {string} [hint]
 */
export function field(label, control, hint) {
  if (control.id === '') control.id = idFor(control.name === '' ? 'field' : control.name);
  const hintElement = hint === undefined ? undefined : h('span', { class: 'hint', id: `${control.id}-hint` }, hint);
  if (hintElement !== undefined) control.setAttribute('aria-describedby', hintElement.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintElement);
}

/**
 * The live region a form reports to: an error (role alert) or an outcome (role status).
 * @returns {{ element: HTMLElement, error(text: string): void, ok(text: string): void, clear(): void }}
 */
export function messages() {
  const element = h('div', { class: 'messages', 'aria-live': 'polite' });
  return {
    element,
    error(text) { element.replaceChildren(h('p', { class: 'error', role: 'alert' }, text)); },
    ok(text) { element.replaceChildren(h('p', { class: 'ok', role: 'status' }, text)); },
    clear() { element.replaceChildren(); },
  };
}

/**
 * A form whose submit runs `action` with the button disabled, and reports any error as text.
 * @param {string} name accessible name of the form
 * @param {Child[]} fields
 * @param {string} submitLabel
 * @param {(form: HTMLFormElement, say: ReturnType<typeof messages>) => Promise<void>} action
 */
export function form(name, fields, submitLabel, action) {
  const say = messages();
  const button = h('button', { type: 'submit' }, submitLabel);
  const element = h('form', { 'aria-label': name, novalidate: false }, ...fields, h('div', { class: 'actions' }, button), say.element);
  element.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    say.clear();
    action(element, say).catch((/** @type {unknown} */ error) => { say.error(errorText(error)); }).finally(() => { button.disabled = false; });
  });
  return element;
}

/** The text of any thrown value. @param {unknown} error */
export function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The value of a named control of a form.
 * @param {HTMLFormElement} element
 * @param {string} name
 */
export function valueOf(element, name) {
  const control = element.elements.namedItem(name);
  if (control instanceof HTMLInputElement || control instanceof HTMLSelectElement || control instanceof HTMLTextAreaElement) return control.value;
  throw new Error(`the form has no field ${name}`);
}

/**
 * A table with a caption, column headers and one row per item.
 * @template T
 * @param {string} caption
 * @param {string[]} headers
 * @param {T[]} items
 * @param {(item: T) => Child[]} cells
 */
export function table(caption, headers, items, cells) {
  return h('div', { class: 'table-wrap' },
    h('table', {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, items.map((item) => h('tr', {}, cells(item).map((cell) => h('td', {}, cell)))))));
}
