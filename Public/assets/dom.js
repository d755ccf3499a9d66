// Small DOM helpers. Text always goes in through textContent (never innerHTML), so anything a user
// or the server wrote is shown as text, whatever characters it holds.

/**
 * Creates an element. `attrs` sets attributes (class, id, aria-*, data-*, type, …); a value of
 * null/undefined/false leaves the attribute out, true sets it empty. Children are nodes or strings
 * (strings become text nodes).
 */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') {
      element.textContent = String(value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces every child of `element` with `children`. */
export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/** Sets a message into an element that is hidden while empty (error and status lines). */
export function setMessage(element, message) {
  if (!element) return;
  element.textContent = message ? String(message) : '';
  element.hidden = !message;
}

/** A number for display: fixed decimals, or an en dash when there is none. */
export function formatNumber(value, digits = 3) {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** A date for display in the reader's locale, or an en dash. */
export function formatTime(value, withDate = false) {
  if (!value) return '–';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return withDate ? date.toLocaleString() : date.toLocaleTimeString();
}

/** The five global states; anything else (an unknown value from a newer server) is shown as is. */
export const GLOBAL_STATES = ['NORMAL', 'REFLECTIVE', 'OVERLOADED', 'SAFETY_LOCK', 'SILENT'];

/** The chart colour of each state, and of anything else the server sends. */
const STATE_COLORS = {
  NORMAL: '#2e7d32',
  REFLECTIVE: '#6a1b9a',
  OVERLOADED: '#e65100',
  SAFETY_LOCK: '#c62828',
  SILENT: '#546e7a',
};
const UNKNOWN_STATE_COLOR = '#9e9e9e';

export function stateColor(state) {
  return GLOBAL_STATES.includes(state) ? STATE_COLORS[state] : UNKNOWN_STATE_COLOR;
}

/** The value and trait axes, as [key in the state object, label]. */
export const VALUE_AXES = [['stability', 'Stability'], ['openness', 'Openness'], ['safety_bias', 'Safety bias'], ['user_alignment', 'User alignment']];
export const TRAIT_AXES = [['calm', 'Calm'], ['empathy', 'Empathy'], ['curiosity', 'Curiosity']];

/** A CSS class naming a state, safe whatever the server sent. */
export function stateClass(state) {
  return GLOBAL_STATES.includes(state) ? `state-${state}` : 'state-unknown';
}

/** A CSS class for a safety flag. */
export function flagClass(flag) {
  return ['intervened', 'escalated', 'blocked'].includes(flag) ? `flag-${flag}` : 'flag-none';
}

/** A RFC 4122 version 4 UUID. */
export function newUUID() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Reads JSON from sessionStorage; a missing or damaged value gives `fallback`. */
export function readStored(key, fallback) {
  try {
    const text = sessionStorage.getItem(key);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

export function writeStored(key, value) {
  try {
    sessionStorage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the page still works for this visit.
  }
}

