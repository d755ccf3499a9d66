// Sign-in shared by the chat page and the dashboard, and the one way both call the API.
//
// Ways in: Supabase Auth (email + password, or Google through a redirect) when the server knows a
// Supabase project; a pasted access token; and, on development servers, "Dev sign-in".
// The session lives in sessionStorage only (this tab, gone when it closes), never in a URL, a cookie
// or the console. Any 401 from the API forgets it and shows the sign-in form again.
// Tokens arriving in the address bar (Google's redirect) are taken only when this tab started that
// sign-in: otherwise a link could sign the reader in as someone else (login CSRF).

import { h, replaceChildren, setMessage } from './dom.js';

const SESSION_KEY = 'sigmaris.auth';
/** The redirect sign-in this tab started: `{state, started}`, removed when the browser comes back. */
const PENDING_KEY = 'sigmaris.pendingSignIn';
/** The query parameter that carries the state through Supabase's redirect. */
const STATE_PARAM = 'sigmaris_state';
/** A redirect that takes longer than this is not trusted to be the one this tab started. */
const PENDING_MAX_AGE_SECONDS = 15 * 60;
/** Refresh a Supabase session this long before it expires. */
const REFRESH_MARGIN_SECONDS = 60;

/** An API answer that was not a success; `message` is readable as is. */
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

let config = { supabaseUrl: null, supabaseAnonKey: null, devSignIn: false };
let hooks = { onSignedIn: () => {}, onSignedOut: () => {} };
let expiryTimer = null;
let elements = {};
/** A message to show above the sign-in form once (why the user was signed out). */
let pendingNotice = '';

// MARK: The stored session

function readSession() {
  try {
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    return session && typeof session.access_token === 'string' ? session : null;
  } catch {
    return null;
  }
}

function writeSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
  if (expiryTimer) clearTimeout(expiryTimer);
  expiryTimer = null;
}

/** The claims of a JWT (not verified: only for display and the expiry time; the server verifies). */
export function decodeClaims(token) {
  try {
    const part = token.split('.')[1];
    const base64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** A session record from a token and what came with it. */
function makeSession(accessToken, { refreshToken = null, expiresIn = null, expiresAt = null, method }) {
  const claims = decodeClaims(accessToken);
  let expires = Number(expiresAt) || null;
  if (!expires && Number(expiresIn)) expires = nowSeconds() + Number(expiresIn);
  if (!expires && claims && Number(claims.exp)) expires = Number(claims.exp);
  return { access_token: accessToken, refresh_token: refreshToken || null, expires_at: expires, method };
}

/** The current access token, or null when signed out or expired. */
export function accessToken() {
  const session = readSession();
  if (!session) return null;
  if (session.expires_at && session.expires_at <= nowSeconds()) return null;
  return session.access_token;
}

/** The `role` claim of the project's service credential (`sigmaris token --service`). */
const SERVICE_ROLE = 'service_role';

/**
 * Who is signed in, for display: `{id, email, service}`. `service` is true for the service credential,
 * which names no user (no `sub`).
 */
export function currentUser() {
  const session = readSession();
  const claims = session ? decodeClaims(session.access_token) : null;
  if (!claims) return null;
  return {
    id: typeof claims.sub === 'string' ? claims.sub : '',
    email: typeof claims.email === 'string' ? claims.email : '',
    service: claims.role === SERVICE_ROLE,
  };
}

/** The header's name for the signed-in caller. */
function displayName(user) {
  if (!user) return '';
  if (user.service) return 'service';
  return user.email || `user ${user.id}`;
}

/** Why a 401 signed the reader out, from the body's `reason` (the server's machine code). */
function refusalNotice(body) {
  const reason = body && typeof body === 'object' && typeof body.reason === 'string' ? body.reason : '';
  if (reason === 'forbidden_role') {
    // A valid token of the wrong kind: saying "expired" would send the reader after the wrong fix.
    return 'This page needs a user\'s sign-in; the server refused this token\'s role (forbidden_role). '
      + 'A service token opens the operator page only.';
  }
  if (reason === 'expired') return 'Your token has expired (expired). Please sign in again.';
  if (reason) return `The server refused your sign-in (${reason}). Please sign in again.`;
  return 'The server refused your sign-in (it may have expired). Please sign in again.';
}

// MARK: Calling the API

/** Turns an error body (`{"error": ..., "detail"?: ...}`) or a bare status into one readable line. */
export function describeError(status, body) {
  if (body && typeof body === 'object') {
    const main = typeof body.error === 'string' ? body.error
      : typeof body.error_description === 'string' ? body.error_description
      : typeof body.msg === 'string' ? body.msg
      : typeof body.message === 'string' ? body.message : '';
    const detail = typeof body.detail === 'string' ? body.detail
      : typeof body.error_description === 'string' && body.error_description !== main ? body.error_description : '';
    if (main) return detail ? `${main}: ${detail}` : main;
  }
  if (status === 0) return 'The server could not be reached. Check your connection and try again.';
  return `The server answered with status ${status}.`;
}

async function readJSON(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** Sends one request: no cookies, no cache. Rejects with an ApiError of status 0 when the server could not be reached. */
async function request(url, { method = 'GET', body, headers = {}, accept = 'application/json', unreachable = describeError(0, null) } = {}) {
  const init = { method, headers: { Accept: accept, ...headers }, cache: 'no-store', credentials: 'omit' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiError(0, unreachable);
  }
}

/** The JSON body of a 2xx answer, or an ApiError carrying the error body's message. */
async function jsonOf(response) {
  const data = await readJSON(response);
  if (!response.ok) throw new ApiError(response.status, describeError(response.status, data), data);
  return data;
}

/**
 * The one way the pages call a server (this one or Supabase Auth): JSON in and out, no cookies, no
 * cache. Resolves with the JSON body of a 2xx answer; rejects with an ApiError whose message is
 * readable as is (status 0 when the server could not be reached).
 */
async function fetchJSON(url, options = {}) {
  return jsonOf(await request(url, options));
}

/** A token endpoint's answer, or an ApiError when it holds no access token. */
function requireAccessToken(data) {
  if (!data || typeof data.access_token !== 'string') throw new ApiError(502, 'The sign-in answer held no access token.', data);
  return data;
}

/** Runs `call` with the bearer token; a 401 signs out and shows the sign-in form. */
async function withToken(call) {
  const token = accessToken();
  if (!token) {
    signOut('Please sign in again: your session has ended.');
    throw new ApiError(401, 'Not signed in.');
  }
  try {
    return await call({ Authorization: `Bearer ${token}` });
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(refusalNotice(error.body));
    }
    throw error;
  }
}

/**
 * Calls the API with the bearer token. Resolves with the JSON body of a 2xx answer; rejects with an
 * ApiError otherwise. A 401 signs out and shows the sign-in form.
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  return withToken((auth) => fetchJSON(path, { method, body, headers: { ...headers, ...auth } }));
}

/**
 * Like api(), asking for Server-Sent Events. Resolves with `{ stream }` (the response, for its body)
 * when the server answered with `text/event-stream`, or `{ data }` with the JSON body of any other
 * 2xx answer (a server that does not stream); errors before the stream (4xx JSON) reject as api() does.
 */
export async function apiEventStream(path, { method = 'POST', body, headers = {} } = {}) {
  return withToken(async (auth) => {
    const response = await request(path, { method, body, headers: { ...headers, ...auth }, accept: 'text/event-stream, application/json' });
    const type = (response.headers.get('Content-Type') || '').toLowerCase();
    if (response.ok && type.startsWith('text/event-stream') && response.body) return { stream: response };
    return { data: await jsonOf(response) };
  });
}

// MARK: Ways to sign in

async function supabaseToken(grantType, payload) {
  const url = `${config.supabaseUrl}/auth/v1/token?grant_type=${encodeURIComponent(grantType)}`;
  return requireAccessToken(await fetchJSON(url, {
    method: 'POST', body: payload, headers: { apikey: config.supabaseAnonKey }, unreachable: 'Supabase Auth could not be reached.',
  }));
}

async function signInWithPassword(email, password) {
  const data = await supabaseToken('password', { email, password });
  completeSignIn(makeSession(data.access_token, {
    refreshToken: data.refresh_token, expiresIn: data.expires_in, expiresAt: data.expires_at, method: 'password',
  }));
}

/** A random value nobody outside this tab can guess. */
function randomState() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function signInWithGoogle() {
  // The state goes out in the redirect address and stays in this tab; the tokens that come back are
  // taken only when both agree (takeOAuthFragment).
  const state = randomState();
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ state, started: nowSeconds() }));
  const redirectTo = `${window.location.origin}${window.location.pathname}?${STATE_PARAM}=${state}`;
  const url = `${config.supabaseUrl}/auth/v1/authorize?provider=google&redirect_to=${encodeURIComponent(redirectTo)}`;
  window.location.assign(url);
}

async function refreshSession() {
  const session = readSession();
  if (!session || !session.refresh_token || !supabaseConfigured()) return false;
  try {
    const data = await supabaseToken('refresh_token', { refresh_token: session.refresh_token });
    writeSession(makeSession(data.access_token, {
      refreshToken: data.refresh_token || session.refresh_token, expiresIn: data.expires_in, expiresAt: data.expires_at,
      method: session.method,
    }));
    scheduleExpiry();
    return true;
  } catch {
    return false;
  }
}

/** The server mints a token for its fixed dev user (development servers only). */
async function signInWithDevRoute() {
  const data = requireAccessToken(await fetchJSON('/api/dev/token', { method: 'POST', body: {} }));
  completeSignIn(makeSession(data.access_token, { expiresIn: data.expires_in, method: 'dev' }));
}

function signInWithPastedToken(text) {
  const token = text.trim().replace(/^Bearer\s+/i, '');
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) {
    throw new ApiError(400, 'That does not look like an access token (three dot-separated parts).');
  }
  const session = makeSession(token, { method: 'paste' });
  if (session.expires_at && session.expires_at <= nowSeconds()) {
    throw new ApiError(400, 'That token has already expired.');
  }
  completeSignIn(session);
}

/** The redirect sign-in this tab started, removed as it is read: it can be answered once only. */
function takePendingSignIn() {
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
  } catch {
    pending = null;
  }
  sessionStorage.removeItem(PENDING_KEY);
  if (!pending || typeof pending.state !== 'string' || !Number.isFinite(pending.started)) return null;
  return nowSeconds() - pending.started <= PENDING_MAX_AGE_SECONDS ? pending : null;
}

/**
 * The tokens Supabase puts in the fragment when it sends the browser back after OAuth. Returns a
 * notice for the sign-in form when there was something to say (an error, or tokens refused).
 */
function takeOAuthFragment() {
  const hash = window.location.hash;
  const query = new URLSearchParams(window.location.search);
  const returnedState = query.get(STATE_PARAM);
  const params = new URLSearchParams(hash && hash.length > 1 ? hash.slice(1) : '');
  const answered = params.has('access_token') || params.has('error') || params.has('error_description');
  if (!answered && returnedState === null) return null;
  // Whatever happens next, the tokens and the state leave the address bar and the history entry at once.
  query.delete(STATE_PARAM);
  const search = query.toString();
  history.replaceState(null, '', `${window.location.pathname}${search ? `?${search}` : ''}`);
  if (!answered) return null;

  const pending = takePendingSignIn();
  if (!pending || pending.state !== returnedState) {
    return 'A sign-in link was ignored: this tab did not start that sign-in. Sign in below.';
  }
  if (params.has('access_token')) {
    writeSession(makeSession(params.get('access_token'), {
      refreshToken: params.get('refresh_token'), expiresIn: params.get('expires_in'), expiresAt: params.get('expires_at'),
      method: 'oauth',
    }));
    return null;
  }
  return `Sign-in failed: ${params.get('error_description') || params.get('error') || 'unknown error'}`;
}

// MARK: Signed in / signed out

function supabaseConfigured() {
  return Boolean(config.supabaseUrl && config.supabaseAnonKey);
}

function completeSignIn(session) {
  writeSession(session);
  showSignedIn();
}

/** Forgets the session and shows the sign-in form, with `notice` saying why. */
export function signOut(notice = '') {
  const wasSignedIn = Boolean(readSession()) || (elements.signin && elements.signin.hidden);
  clearSession();
  pendingNotice = notice;
  showSignedOut();
  if (wasSignedIn) hooks.onSignedOut();
}

function scheduleExpiry() {
  if (expiryTimer) clearTimeout(expiryTimer);
  expiryTimer = null;
  const session = readSession();
  if (!session || !session.expires_at) return;
  const canRefresh = Boolean(session.refresh_token && supabaseConfigured());
  const at = canRefresh ? session.expires_at - REFRESH_MARGIN_SECONDS : session.expires_at;
  const delay = Math.max(1, at - nowSeconds()) * 1000;
  // setTimeout keeps 32-bit delays; a day is far below that.
  expiryTimer = setTimeout(async () => {
    if (canRefresh && (await refreshSession())) return;
    signOut('Your session has expired. Please sign in again.');
  }, Math.min(delay, 2 ** 31 - 1));
}

function showSignedIn() {
  const user = currentUser();
  if (elements.accountName) {
    const name = displayName(user);
    elements.accountName.textContent = name;
    elements.accountName.title = name;
  }
  if (elements.account) elements.account.hidden = false;
  if (elements.signin) elements.signin.hidden = true;
  scheduleExpiry();
  hooks.onSignedIn(user);
}

function showSignedOut() {
  if (elements.account) elements.account.hidden = true;
  if (elements.signin) {
    elements.signin.hidden = false;
    setMessage(elements.notice, pendingNotice);
    setMessage(elements.error, '');
    pendingNotice = '';
    const first = elements.signin.querySelector('input, button');
    if (first && document.activeElement === document.body) first.focus();
  }
}

// MARK: The sign-in form

/** Runs `action` with `button` disabled, showing any error in the form's error line. */
async function busy(button, action) {
  setMessage(elements.error, '');
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await action();
  } catch (error) {
    setMessage(elements.error, error instanceof ApiError ? error.message : 'Sign-in failed.');
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

function buildSignInPanel(root) {
  const error = h('p', { id: 'signin-error', class: 'error', role: 'alert', hidden: true });
  const notice = h('p', { id: 'signin-notice', class: 'notice', role: 'status', hidden: true });
  const parts = [
    h('h1', { id: 'signin-title', text: 'Sign in to Sigmaris' }),
    h('p', { class: 'lede', text: 'Sign in to chat with your persona and see its state over time.' }),
    notice,
    error,
  ];

  if (supabaseConfigured()) {
    const email = h('input', { id: 'signin-email', type: 'email', name: 'email', autocomplete: 'username', required: true });
    const password = h('input', {
      id: 'signin-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true,
    });
    const submit = h('button', { id: 'password-signin', type: 'submit', class: 'primary', text: 'Sign in' });
    parts.push(h('form', {
      id: 'password-form', class: 'stack', 'aria-label': 'Email and password',
      onsubmit: (event) => {
        event.preventDefault();
        busy(submit, () => signInWithPassword(email.value.trim(), password.value).then(() => { password.value = ''; }));
      },
    },
    h('label', { for: 'signin-email', text: 'Email' }), email,
    h('label', { for: 'signin-password', text: 'Password' }), password,
    submit));
    parts.push(h('button', {
      id: 'google-signin', type: 'button', class: 'secondary', text: 'Continue with Google',
      onclick: signInWithGoogle,
    }));
  }

  if (config.devSignIn) {
    const button = h('button', { id: 'dev-signin', type: 'submit', class: supabaseConfigured() ? 'secondary' : 'primary', text: 'Dev sign-in' });
    parts.push(h('form', {
      id: 'dev-form', class: 'stack dev', 'aria-labelledby': 'dev-title',
      onsubmit: (event) => {
        event.preventDefault();
        busy(button, () => signInWithDevRoute());
      },
    },
    h('h2', { id: 'dev-title', text: 'Development sign-in' }),
    h('p', { id: 'dev-hint', class: 'hint', text: 'This development server signs you in as its dev user (00000000-0000-4000-8000-000000000001).' }),
    button));
  }

  const tokenInput = h('textarea', {
    id: 'token-input', rows: '3', autocomplete: 'off', spellcheck: 'false', required: true, class: 'mono',
  });
  const tokenButton = h('button', { id: 'token-signin', type: 'submit', class: 'secondary', text: 'Use this token' });
  parts.push(h('details', { id: 'token-details', class: 'token-details', open: !supabaseConfigured() && !config.devSignIn },
    h('summary', { text: 'Paste an access token' }),
    h('form', {
      id: 'token-form', class: 'stack',
      onsubmit: (event) => {
        event.preventDefault();
        busy(tokenButton, async () => {
          signInWithPastedToken(tokenInput.value);
          tokenInput.value = '';
        });
      },
    },
    h('label', { for: 'token-input', text: 'Access token (JWT)' }), tokenInput, tokenButton)));

  const panel = h('section', { id: 'signin', class: 'signin panel', 'aria-labelledby': 'signin-title', hidden: true }, parts);
  replaceChildren(root, panel);
  return { panel, error, notice };
}

/**
 * Starts sign-in for a page. `onSignedIn(user)` runs whenever a session becomes usable (at load or
 * after signing in), `onSignedOut()` when it ends. Resolves once the page knows which it is.
 */
export async function startAuth({ root, account, accountName, signOutButton, onSignedIn, onSignedOut }) {
  hooks = { onSignedIn, onSignedOut };
  const redirectNotice = takeOAuthFragment();
  try {
    const data = await fetchJSON('/api/pages/config');
    if (data && typeof data === 'object') {
      config = {
        supabaseUrl: typeof data.supabaseUrl === 'string' && data.supabaseUrl ? data.supabaseUrl.replace(/\/+$/, '') : null,
        supabaseAnonKey: typeof data.supabaseAnonKey === 'string' && data.supabaseAnonKey ? data.supabaseAnonKey : null,
        devSignIn: data.devSignIn === true,
      };
    }
  } catch {
    // Without the configuration, pasting a token still works.
  }
  const { panel, error, notice } = buildSignInPanel(root);
  elements = { signin: panel, error, notice, account, accountName };
  if (signOutButton) signOutButton.addEventListener('click', () => signOut('You are signed out.'));

  const session = readSession();
  if (session && session.expires_at && session.expires_at - REFRESH_MARGIN_SECONDS <= nowSeconds()) {
    if (!(await refreshSession()) && session.expires_at <= nowSeconds()) clearSession();
  }
  if (accessToken()) {
    showSignedIn();
  } else {
    clearSession();
    pendingNotice = redirectNotice || '';
    showSignedOut();
  }
}
