// The chat page: pick a session, read its messages, send new ones, and show beside each reply the
// global state and safety flag of that turn.

import { api, ApiError, startAuth } from './auth.js';
import { flagClass, h, newUUID, readStored, replaceChildren, setMessage, stateClass, writeStored } from './dom.js';

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $('loading'),
  chat: $('chat'),
  select: $('session-select'),
  newSession: $('new-session'),
  error: $('chat-error'),
  empty: $('chat-empty'),
  messages: $('messages'),
  live: $('chat-live'),
  form: $('chat-form'),
  input: $('chat-input'),
  send: $('send-button'),
};

let user = null;
let sending = false;
/** Bumped whenever the shown session changes, so a late answer for another session is dropped. */
let generation = 0;

// MARK: Sessions of this browser tab (per signed-in user)

function sessionsKey() {
  return `sigmaris.sessions.${user ? user.id : 'anonymous'}`;
}

function currentKey() {
  return `sigmaris.currentSession.${user ? user.id : 'anonymous'}`;
}

/** `[{id, created}]`, oldest first. */
function storedSessions() {
  const list = readStored(sessionsKey(), []);
  return Array.isArray(list) ? list.filter((s) => s && typeof s.id === 'string') : [];
}

function currentSession() {
  const id = readStored(currentKey(), null);
  const sessions = storedSessions();
  if (typeof id === 'string' && sessions.some((s) => s.id === id)) return id;
  return sessions.length ? sessions[sessions.length - 1].id : null;
}

function createSession() {
  const session = { id: newUUID(), created: new Date().toISOString() };
  writeStored(sessionsKey(), [...storedSessions(), session]);
  writeStored(currentKey(), session.id);
  return session.id;
}

function renderSessionPicker(selected) {
  const sessions = storedSessions();
  replaceChildren(ui.select, sessions.map((session, index) => {
    const created = new Date(session.created);
    const when = Number.isNaN(created.getTime()) ? '' : ` · ${created.toLocaleTimeString()}`;
    return h('option', { value: session.id, selected: session.id === selected, text: `Session ${index + 1}${when} (${session.id.slice(0, 8)})` });
  }));
  ui.select.value = selected;
}

// MARK: Turn meta (state and flag) of replies sent from this tab

function metaKey(sessionID) {
  return `sigmaris.turnMeta.${sessionID}`;
}

function storedMeta(sessionID) {
  const list = readStored(metaKey(sessionID), []);
  return Array.isArray(list) ? list : [];
}

function rememberMeta(sessionID, index, meta) {
  const list = storedMeta(sessionID);
  list[index] = meta;
  writeStored(metaKey(sessionID), list);
}

/** The global state and safety flag of a POST /api/aei answer (fields may be missing or odd). */
function metaOf(answer) {
  const python = answer && typeof answer.python === 'object' && answer.python ? answer.python : {};
  const global = python.global_state && typeof python.global_state === 'object' ? python.global_state : {};
  const safety = answer && typeof answer.safety === 'object' && answer.safety ? answer.safety : {};
  return {
    state: typeof global.state === 'string' ? global.state : null,
    flag: typeof safety.flag === 'string' && safety.flag ? safety.flag : 'none',
    risk: typeof safety.risk_score === 'number' ? safety.risk_score : null,
    model: typeof answer?.model === 'string' ? answer.model : null,
  };
}

// MARK: Rendering

function bubble(role, text, testid) {
  return h('div', { class: `bubble ${role}` },
    h('span', { class: 'who', text: role === 'user' ? 'You' : 'Sigmaris' }),
    h('p', { class: 'text', 'data-testid': testid, text }));
}

function metaBadges(meta) {
  if (!meta || !meta.state) return null;
  const risk = typeof meta.risk === 'number' ? ` (risk ${meta.risk.toFixed(2)})` : '';
  return h('p', { class: 'turn-meta', 'data-testid': 'turn-meta' },
    h('span', { class: 'visually-hidden', text: 'Global state: ' }),
    h('span', {
      class: `badge ${stateClass(meta.state)}`, 'data-testid': 'turn-state', 'data-state': meta.state,
      title: 'Global state of this turn', text: meta.state,
    }),
    h('span', { class: 'visually-hidden', text: ', safety flag: ' }),
    h('span', {
      class: `badge ${flagClass(meta.flag)}`, 'data-testid': 'turn-safety', 'data-flag': meta.flag,
      title: `Safety flag of this turn${risk}`, text: `safety: ${meta.flag}`,
    }));
}

/** One exchange: the user's text, then the reply (or a pending placeholder) with its meta. */
function turnElement(userText, aiText, meta, { pending = false } = {}) {
  const ai = pending
    ? h('div', { class: 'bubble ai pending', 'aria-busy': 'true' },
      h('span', { class: 'who', text: 'Sigmaris' }),
      h('p', { class: 'text', 'data-testid': 'ai-pending', text: 'Thinking…' }))
    : h('div', { class: 'bubble ai' },
      h('span', { class: 'who', text: 'Sigmaris' }),
      h('p', { class: 'text', 'data-testid': 'ai-text', text: aiText }),
      metaBadges(meta));
  return h('li', { class: 'turn', 'data-testid': 'turn' }, bubble('user', userText, 'user-text'), ai);
}

function updateEmpty() {
  ui.empty.hidden = ui.messages.children.length > 0;
}

function scrollToEnd() {
  const last = ui.messages.lastElementChild;
  if (last) last.scrollIntoView({ block: 'end' });
}

async function loadSession(sessionID) {
  const mine = ++generation;
  setMessage(ui.error, '');
  replaceChildren(ui.messages);
  ui.empty.hidden = true;
  ui.messages.setAttribute('aria-busy', 'true');
  try {
    const data = await api(`/api/aei?session=${encodeURIComponent(sessionID)}`);
    if (mine !== generation) return;
    const pairs = data && Array.isArray(data.messages) ? data.messages : [];
    const meta = storedMeta(sessionID);
    replaceChildren(ui.messages, pairs.map((pair, index) => turnElement(
      typeof pair?.user === 'string' ? pair.user : '',
      typeof pair?.ai === 'string' ? pair.ai : '',
      meta[index])));
    scrollToEnd();
  } catch (error) {
    if (mine !== generation || (error instanceof ApiError && error.status === 401)) return;
    setMessage(ui.error, `Could not load the messages: ${error.message}`);
  } finally {
    if (mine === generation) {
      ui.messages.removeAttribute('aria-busy');
      updateEmpty();
    }
  }
}

function switchTo(sessionID) {
  writeStored(currentKey(), sessionID);
  renderSessionPicker(sessionID);
  loadSession(sessionID);
}

// MARK: Sending

async function send(text) {
  const sessionID = currentSession() || createSession();
  const mine = generation;
  const index = ui.messages.children.length;
  const turn = turnElement(text, '', null, { pending: true });
  ui.messages.append(turn);
  updateEmpty();
  scrollToEnd();
  try {
    const answer = await api('/api/aei', { method: 'POST', body: { text }, headers: { 'x-session-id': sessionID } });
    const meta = metaOf(answer);
    const reply = typeof answer?.output === 'string' ? answer.output : '';
    rememberMeta(sessionID, index, meta);
    if (mine !== generation) return true;
    turn.replaceWith(turnElement(text, reply, meta));
    ui.live.textContent = `Sigmaris replied (${meta.state || 'unknown state'}, safety ${meta.flag}): ${reply}`;
    scrollToEnd();
    return true;
  } catch (error) {
    turn.remove();
    updateEmpty();
    if (!(error instanceof ApiError && error.status === 401)) {
      setMessage(ui.error, `Your message was not sent: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
    return false;
  }
}

async function submit() {
  if (sending) return;
  const text = ui.input.value;
  if (!text.trim()) {
    setMessage(ui.error, 'Write a message first.');
    ui.input.focus();
    return;
  }
  setMessage(ui.error, '');
  sending = true;
  ui.send.disabled = true;
  ui.input.setAttribute('aria-busy', 'true');
  ui.input.value = '';
  const ok = await send(text);
  if (!ok && !ui.input.value) ui.input.value = text; // keep the text to try again
  sending = false;
  ui.send.disabled = false;
  ui.input.removeAttribute('aria-busy');
  if (!ui.chat.hidden) ui.input.focus();
}

ui.form.addEventListener('submit', (event) => {
  event.preventDefault();
  submit();
});

ui.input.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    submit();
  }
});

ui.select.addEventListener('change', () => switchTo(ui.select.value));

ui.newSession.addEventListener('click', () => {
  switchTo(createSession());
  ui.input.focus();
});

// MARK: Start

startAuth({
  root: $('signin-root'),
  account: $('account'),
  accountName: $('account-name'),
  signOutButton: $('sign-out'),
  onSignedIn: (signedIn) => {
    user = signedIn;
    ui.chat.hidden = false;
    switchTo(currentSession() || createSession());
  },
  onSignedOut: () => {
    generation += 1;
    ui.chat.hidden = true;
    replaceChildren(ui.messages);
  },
}).finally(() => {
  ui.loading.hidden = true;
});
