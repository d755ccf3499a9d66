// The chat page: pick a session, read its messages, send new ones (the reply grows as the server
// streams it, see turn.js), and show beside each reply the global state and safety flag of that turn
// (from the turn's stored snapshot, so every browser of the user shows the same badges).

import { accessToken, api, ApiError, startAuth } from './auth.js';
import { flagClass, h, newUUID, readStored, replaceChildren, setMessage, stateClass, writeStored } from './dom.js';
import { memoriesPanel } from './memories.js';
import { topicText } from './topic.js';
import { postTurn } from './turn.js';

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
  rename: $('rename-session'),
  renameForm: $('rename-form'),
  renameInput: $('rename-input'),
  renameCancel: $('rename-cancel'),
  deleteSession: $('delete-session'),
  exportData: $('export-data'),
  eraseData: $('erase-data'),
  dataStatus: $('data-status'),
};

// The page places the newest exchange itself once the messages are in (scrollToEnd); a reload's
// restored scroll position would land wherever the previous, shorter or longer, page was.
if ('scrollRestoration' in history) history.scrollRestoration = 'manual';

/** The Memories panel (memories.js): reloaded after anything that adds or removes memories. */
const memories = memoriesPanel();

let user = null;
let sending = false;
/** Bumped whenever the shown session changes, so a late answer for another session is dropped. */
let generation = 0;

// MARK: Sessions (from the server, so every browser of the user sees the same list)

/** `[{id, title, lastMessage, updatedAt, messageCount}]` from GET /api/sessions, newest first. */
let serverSessions = [];
/** A session started in this tab that has no message yet (the server does not know it). */
let draftSession = null;

function currentKey() {
  return `sigmaris.currentSession.${user ? user.id : 'anonymous'}`;
}

function isServerSession(id) {
  return serverSessions.some((s) => s.id === id);
}

async function refreshSessions() {
  const data = await api('/api/sessions');
  const list = data && Array.isArray(data.sessions) ? data.sessions : [];
  serverSessions = list.filter((s) => s && typeof s.id === 'string' && typeof s.title === 'string');
  if (draftSession && isServerSession(draftSession)) draftSession = null;
}

function currentSession() {
  const id = readStored(currentKey(), null);
  if (typeof id === 'string' && (isServerSession(id) || id === draftSession)) return id;
  return serverSessions.length ? serverSessions[0].id : null;
}

function createSession() {
  draftSession = newUUID();
  writeStored(currentKey(), draftSession);
  return draftSession;
}

function renderSessionPicker(selected) {
  const options = serverSessions.map((session) => {
    const count = Number.isFinite(session.messageCount) ? ` · ${session.messageCount} messages` : '';
    return h('option', { value: session.id, selected: session.id === selected, text: `${session.title}${count}` });
  });
  if (draftSession && !isServerSession(draftSession)) {
    options.unshift(h('option', { value: draftSession, selected: draftSession === selected, text: 'New session (no messages yet)' }));
  }
  replaceChildren(ui.select, options);
  ui.select.value = selected;
  const saved = isServerSession(selected);
  ui.rename.disabled = !saved;
  ui.deleteSession.disabled = !saved;
}

// MARK: Turn meta (state and flag)

/**
 * The most snapshots GET /api/state/timeseries hands out: the badges of older exchanges are left
 * off rather than fetched page by page.
 */
const SNAPSHOT_LIMIT = 200;

/**
 * The stored snapshots of the user's newest turns, by `created_at`. An exchange's two messages and
 * its snapshot are written by one statement, so they carry the same transaction timestamp: that is
 * what ties a reply to its snapshot (GET /api/message lists the same `created_at`).
 */
async function snapshotsByTime() {
  const data = await api(`/api/state/timeseries?limit=${SNAPSHOT_LIMIT}`);
  const byTime = new Map();
  for (const point of data && Array.isArray(data.snapshots) ? data.snapshots : []) {
    if (point && typeof point.created_at === 'string') byTime.set(point.created_at, point);
  }
  return byTime;
}

/** The badges' meta of a stored snapshot (fields may be missing or odd), or null without a state. */
function metaOfSnapshot(point) {
  if (!point || typeof point.global_state !== 'string') return null;
  return {
    state: point.global_state,
    flag: typeof point.safety_flag === 'string' && point.safety_flag ? point.safety_flag : 'none',
    risk: typeof point.safety_risk_score === 'number' ? point.safety_risk_score : null,
  };
}

/**
 * The global state, safety flag and topic label of a POST /api/aei answer (fields may be missing or
 * odd). The topic label is in the answer's meta only: the stored snapshot's fields of the contract
 * (GET /api/state/timeseries) do not carry it, so a reloaded exchange shows state and flag alone.
 */
function metaOf(answer) {
  const python = answer && typeof answer.python === 'object' && answer.python ? answer.python : {};
  const global = python.global_state && typeof python.global_state === 'object' ? python.global_state : {};
  const identity = python.identity && typeof python.identity === 'object' ? python.identity : {};
  const safety = answer && typeof answer.safety === 'object' && answer.safety ? answer.safety : {};
  return {
    state: typeof global.state === 'string' ? global.state : null,
    flag: typeof safety.flag === 'string' && safety.flag ? safety.flag : 'none',
    risk: typeof safety.risk_score === 'number' ? safety.risk_score : null,
    topic: typeof identity.topic_label === 'string' && identity.topic_label ? identity.topic_label : null,
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
    }),
    meta.topic ? [h('span', { class: 'visually-hidden', text: ', topic: ' }), topicBadge(meta.topic)] : null);
}

/** The turn's topic label in the reader's language; the engine's own label in its tooltip. */
function topicBadge(label) {
  const shown = topicText(label);
  return h('span', {
    class: 'topic-label', 'data-testid': 'turn-topic', 'data-label': label,
    title: shown === label ? 'Topic of this turn' : `Topic of this turn (engine label: ${label})`, text: shown,
  });
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

/**
 * Appends one streamed piece of the reply to a pending turn: the placeholder becomes the growing
 * reply (still busy, without meta, until the whole answer replaces the turn).
 */
function showPiece(turn, piece) {
  let text = turn.querySelector('[data-testid=ai-streaming]');
  if (!text) {
    text = h('p', { class: 'text', 'data-testid': 'ai-streaming' });
    const ai = h('div', { class: 'bubble ai streaming', 'aria-busy': 'true' }, h('span', { class: 'who', text: 'Sigmaris' }), text);
    turn.querySelector('.bubble.ai').replaceWith(ai);
    text.append(document.createTextNode(''));
    if (turn.isConnected) scrollToEnd();
  }
  text.firstChild.appendData(piece);
}

function updateEmpty() {
  ui.empty.hidden = ui.messages.children.length > 0;
}

/**
 * Brings the newest exchange into view just above the message box. The box is sticky at the bottom of
 * the window, so aligning the exchange with the window's bottom edge (scrollIntoView) would hide it
 * behind the box; an exchange taller than the space left shows its beginning instead.
 */
function scrollToEnd() {
  const last = ui.messages.lastElementChild;
  if (!last || ui.chat.hidden) return;
  const gap = 12;
  const rect = last.getBoundingClientRect();
  const bottom = window.innerHeight - ui.form.offsetHeight - gap;
  if (rect.height > bottom - gap) {
    window.scrollBy(0, rect.top - gap);
  } else if (rect.bottom > bottom || rect.top < 0) {
    window.scrollBy(0, rect.bottom - bottom);
  }
}

async function loadSession(sessionID) {
  const mine = ++generation;
  setMessage(ui.error, '');
  replaceChildren(ui.messages);
  if (!isServerSession(sessionID)) {
    // A session started here has no messages on the server yet: nothing to fetch.
    ui.messages.removeAttribute('aria-busy');
    updateEmpty();
    return;
  }
  ui.empty.hidden = true;
  ui.messages.setAttribute('aria-busy', 'true');
  try {
    // Both at once; the messages without badges when the snapshots cannot be had.
    const [data, snapshots] = await Promise.all([
      api(`/api/message?session=${encodeURIComponent(sessionID)}`),
      snapshotsByTime().catch(() => new Map()),
    ]);
    if (mine !== generation) return;
    const pairs = data && Array.isArray(data.messages) ? data.messages : [];
    replaceChildren(ui.messages, pairs.map((pair) => turnElement(
      typeof pair?.user === 'string' ? pair.user : '',
      typeof pair?.ai === 'string' ? pair.ai : '',
      typeof pair?.ai === 'string' && pair.ai ? metaOfSnapshot(snapshots.get(pair?.created_at)) : null)));
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
  hideRename();
  renderSessionPicker(sessionID);
  loadSession(sessionID);
}

/** Reloads the list from the server, then shows `preferred` (or the newest session, or a new one). */
async function reloadSessions(preferred) {
  try {
    await refreshSessions();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) setMessage(ui.error, `Could not load your sessions: ${error.message}`);
  }
  const id = preferred && (isServerSession(preferred) || preferred === draftSession) ? preferred : currentSession();
  return id || createSession();
}

// MARK: Renaming and deleting a session

function hideRename() {
  ui.renameForm.hidden = true;
}

ui.rename.addEventListener('click', () => {
  const session = serverSessions.find((s) => s.id === ui.select.value);
  if (!session) return;
  ui.renameInput.value = session.title;
  ui.renameForm.hidden = false;
  ui.renameInput.focus();
  ui.renameInput.select();
});

ui.renameCancel.addEventListener('click', () => {
  hideRename();
  ui.rename.focus();
});

ui.renameForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  const sessionID = ui.select.value;
  const title = ui.renameInput.value.trim();
  if (!title) {
    setMessage(ui.error, 'A title needs at least one character.');
    ui.renameInput.focus();
    return;
  }
  try {
    await api('/api/sessions', { method: 'PATCH', body: { sessionId: sessionID, newTitle: title } });
    setMessage(ui.error, '');
    hideRename();
    renderSessionPicker(await reloadSessions(sessionID));
    ui.live.textContent = `Session renamed to ${title}`;
    ui.select.focus();
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) setMessage(ui.error, `The session was not renamed: ${error.message}`);
  }
});

ui.deleteSession.addEventListener('click', async () => {
  const session = serverSessions.find((s) => s.id === ui.select.value);
  if (!session) return;
  if (!window.confirm(`Delete the session "${session.title}" and all of its messages? This cannot be undone.`)) return;
  try {
    await api(`/api/sessions?id=${encodeURIComponent(session.id)}`, { method: 'DELETE' });
    setMessage(ui.error, '');
    switchTo(await reloadSessions(null));
    ui.live.textContent = 'Session deleted';
    memories.show(); // the session's memories went with it
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) setMessage(ui.error, `The session was not deleted: ${error.message}`);
  }
});

// MARK: The user's own data

ui.exportData.addEventListener('click', async () => {
  const token = accessToken();
  if (!token) return;
  setMessage(ui.dataStatus, 'Preparing your export…');
  try {
    // Not through api(): the answer is a download, kept as a blob rather than parsed.
    const response = await fetch('/api/account/export', {
      headers: { Authorization: `Bearer ${token}` }, cache: 'no-store', credentials: 'omit',
    });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const url = URL.createObjectURL(await response.blob());
    const link = h('a', { href: url, download: 'sigmaris-export.json', hidden: true });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    setMessage(ui.dataStatus, 'Your export has been downloaded (sigmaris-export.json).');
  } catch (error) {
    setMessage(ui.dataStatus, `The export failed: ${error.message}`);
  }
});

ui.eraseData.addEventListener('click', async () => {
  if (!window.confirm('Delete ALL of your data: every session, message and the persona\'s memory of you? This cannot be undone.')) return;
  try {
    await api('/api/account', { method: 'DELETE', body: { confirm: 'DELETE' } });
    draftSession = null;
    switchTo(await reloadSessions(null));
    memories.show();
    setMessage(ui.dataStatus, 'All of your data has been deleted.');
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) setMessage(ui.dataStatus, `Nothing was deleted: ${error.message}`);
  }
});

// MARK: Sending

async function send(text) {
  const sessionID = currentSession() || createSession();
  const mine = generation;
  const turn = turnElement(text, '', null, { pending: true });
  ui.messages.append(turn);
  updateEmpty();
  scrollToEnd();
  try {
    const answer = await postTurn(text, sessionID, (piece) => showPiece(turn, piece));
    const meta = metaOf(answer);
    const reply = typeof answer?.output === 'string' ? answer.output : '';
    if (mine !== generation) return true;
    // The list again, for a new session's title and every session's message count.
    await refreshSessions().catch(() => {});
    if (mine === generation) renderSessionPicker(sessionID);
    turn.replaceWith(turnElement(text, reply, meta));
    memories.show(); // the turn left a memory
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
  onSignedIn: async (signedIn) => {
    user = signedIn;
    serverSessions = [];
    draftSession = null;
    // The list first, so the chat never shows a picker that is about to change.
    const sessionID = await reloadSessions(null);
    if (user !== signedIn) return; // signed out (or in as someone else) meanwhile
    ui.chat.hidden = false;
    switchTo(sessionID);
    memories.show();
  },
  onSignedOut: () => {
    generation += 1;
    user = null;
    serverSessions = [];
    draftSession = null;
    ui.chat.hidden = true;
    replaceChildren(ui.messages);
    memories.clear();
  },
}).finally(() => {
  ui.loading.hidden = true;
});
