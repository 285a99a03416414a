// The dashboard's building blocks: tables with headers, generic tables for any listing (orders, refunds and transfers
// of every API family share them), labelled form fields, and buttons that act and report what happened.
import { h } from './dom.js';

/** A captioned table in a horizontally scrolling region (phones); `columns` are `{ label, cell(row) }`. */
export function table(caption, columns, rows, empty = 'Nothing yet.') {
  const body =
    rows.length === 0
      ? h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty))
      : rows.map((row) =>
          h(
            'tr',
            {},
            columns.map((column) => h('td', {}, column.cell(row))),
          ),
        );
  return h(
    'div',
    { class: 'scroll', role: 'region', 'aria-label': caption, tabindex: 0 },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          columns.map((column) => h('th', { scope: 'col' }, column.label)),
        ),
      ),
      h('tbody', {}, body),
    ),
  );
}

/** Nested objects as `a.b` keys; arrays and deeper values as JSON. */
function flatten(value, prefix = '', into = {}) {
  for (const [key, inner] of Object.entries(value)) {
    const name = prefix === '' ? key : `${prefix}.${key}`;
    if (inner !== null && typeof inner === 'object' && !Array.isArray(inner)) flatten(inner, name, into);
    else into[name] = Array.isArray(inner) ? JSON.stringify(inner) : inner;
  }
  return into;
}

/**
 * Columns for whatever fields the rows have (so a listing that gains fields, or a new API family's rows, shows
 * without a change here): `first` in that order, then the rest as they appear; `hidden` left out.
 */
export function genericColumns(rows, { first = [], hidden = [] } = {}) {
  const flatRows = new WeakMap(rows.map((row) => [row, flatten(row)]));
  const flat = rows.map((row) => flatRows.get(row));
  const names = [...first];
  for (const row of flat) for (const name of Object.keys(row)) if (!names.includes(name)) names.push(name);
  // With no rows yet, the usual fields still head the empty table.
  const shown = names.filter(
    (name) => !hidden.includes(name) && (rows.length === 0 || flat.some((row) => name in row)),
  );
  return shown.map((name) => ({
    label: name,
    cell: (row) => {
      const value = (flatRows.get(row) ?? flatten(row))[name];
      return value === null || value === undefined ? '' : String(value);
    },
  }));
}

/** A labelled control: `<label>` wraps the text and the control, which is its accessible name. */
export function field(label, control) {
  return h('label', { class: 'field' }, h('span', {}, label), control);
}

export function select(name, options, value = '') {
  return h(
    'select',
    { name },
    options.map(([optionValue, text]) => h('option', { value: optionValue, selected: optionValue === value }, text)),
  );
}

/** Where the outcome of an action is said (a live region, so screen readers hear it too). */
export const messages = {
  element: h('p', { class: 'message', role: 'status', 'aria-live': 'polite' }),
  say(text, isError = false) {
    this.element.textContent = text;
    this.element.classList.toggle('error', isError);
  },
};

/**
 * A button that runs `action` once per click (disabled meanwhile) and reports its outcome; `name` is its accessible
 * name when the visible text alone would be ambiguous (one "Open" per row).
 */
export function actionButton(text, name, action, done) {
  const button = h('button', { type: 'button', 'aria-label': name === text ? undefined : name });
  button.textContent = text;
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
      messages.say(done ?? `${name}: done`);
    } catch (error) {
      messages.say(`${name}: ${error.message}`, true);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
