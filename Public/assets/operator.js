// The operator page: the overview across users (GET /persona/overview), one user's state and
// recent operator actions (GET /persona/state), and silence / resume / reset with a reason
// (POST /persona/state), the policies (policies.js), and the webhook events that failed for good
// (GET /persona/webhooks). The server decides who is an operator; a 403 `not_operator` shows a
// message instead of the console. Chart.js (Debian's libjs-chart.js) is loaded before this module.

import { api, ApiError, currentUser, startAuth } from './auth.js';
import { setUpPolicies } from './policies.js';
import { GLOBAL_STATES, TRAIT_AXES, VALUE_AXES, formatNumber, formatTime, h, replaceChildren, setMessage, stateClass, stateColor } from './dom.js';

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $('loading'),
  notOperator: $('not-operator'),
  console: $('console'),
  overviewSection: $('overview'),
  overviewError: $('overview-error'),
  overviewUpdated: $('overview-updated'),
  refresh: $('refresh'),
  stateRows: $('state-count-rows'),
  attentionRows: $('attention-rows'),
  attentionEmpty: $('attention-empty'),
  chartError: $('chart-error'),
  hourlyRows: $('hourly-rows'),
  lookupForm: $('lookup-form'),
  userID: $('user-id'),
  lookup: $('lookup'),
  userError: $('user-error'),
  userState: $('user-state'),
  reason: $('action-reason'),
  actionError: $('action-error'),
  actionResult: $('action-result'),
  actionRows: $('user-action-rows'),
  actionsEmpty: $('actions-empty'),
  webhooksError: $('webhooks-error'),
  webhooksSummary: $('webhooks-summary'),
  webhookRows: $('webhook-rows'),
};
const actionButtons = { silence: $('action-silence'), resume: $('action-resume'), reset: $('action-reset') };

const AUTO_REFRESH_MS = 30_000;
const HOUR_MS = 3_600_000;
/** The overview's turns per hour cover the current hour and the 23 before it. */
const WINDOW_HOURS = 24;
/** The trace id prefix of the snapshot row an operator action writes. */
const OPERATOR_ACTION_TRACE = 'operator-action-';
const DONE = { silence: 'Silenced', resume: 'Resumed', reset: 'Reset' };

let signedIn = false;
let timer = null;
let chart = null;
let loadingOverview = false;
/** An overview load was asked for while one ran (say, after an action): run it again after. */
let overviewAgain = false;
/** The user whose state is shown (the actions act on this one, not on whatever the field holds now). */
let shownUser = null;

// MARK: Reading the API's values defensively

function num(value) {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function object(value) {
  return value && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function list(value) {
  return Array.isArray(value) ? value.filter((item) => item && typeof item === 'object') : [];
}

function text(value, fallback = '–') {
  return typeof value === 'string' && value ? value : fallback;
}

function count(value) {
  const n = num(value);
  return n === null ? '–' : String(Math.round(n));
}

/** A 403 `not_operator`: this account may not use the page at all. */
function isNotOperator(error) {
  return error instanceof ApiError && error.status === 403 && object(error.body).reason === 'not_operator';
}

function showNotOperator() {
  stopAutoRefresh();
  // The id to add to SIGMARIS_OPERATORS, so the hint can be followed without decoding the token.
  const user = currentUser();
  $('not-operator-id').textContent = user && user.id ? user.id : '(none: this token names no user)';
  ui.console.hidden = true;
  ui.notOperator.hidden = false;
}

function showConsole() {
  ui.notOperator.hidden = true;
  ui.console.hidden = false;
}

// MARK: The overview

function renderStateCounts(rows) {
  if (rows.length === 0) {
    replaceChildren(ui.stateRows, h('tr', {}, h('td', { colspan: '3', class: 'empty-cell', text: 'No user has a persona state yet.' })));
    return;
  }
  replaceChildren(ui.stateRows, rows.map((row) => {
    const state = text(row.global_state, 'none yet');
    return h('tr', { 'data-state': state },
      h('th', { scope: 'row' }, h('span', { class: `badge ${stateClass(state)}`, text: state })),
      h('td', { text: count(row.users) }),
      h('td', { text: count(row.held) }));
  }));
}

function renderAttention(rows) {
  ui.attentionEmpty.hidden = rows.length > 0;
  replaceChildren(ui.attentionRows, rows.map((row) => {
    const userID = text(row.user_id, '');
    const state = text(row.global_state, 'none yet');
    return h('tr', { 'data-user': userID },
      h('th', { scope: 'row' }, h('code', { text: userID })),
      h('td', {}, h('span', { class: `badge ${stateClass(state)}`, text: state })),
      h('td', { text: row.silenced === true ? 'held' : '–' }),
      h('td', {}, h('button', {
        type: 'button', class: 'secondary small', 'aria-label': `Show user ${userID}`, text: 'Show',
        onclick: () => {
          ui.userID.value = userID;
          loadUser(userID);
        },
      })));
  }));
}

function renderHourly(rows) {
  replaceChildren(ui.hourlyRows, rows.length === 0
    ? h('tr', {}, h('td', { colspan: '3', class: 'empty-cell', text: 'No turns in the last 24 hours.' }))
    : rows.map((row) => h('tr', {},
      h('th', { scope: 'row', text: formatTime(row.hour, true) }),
      h('td', { text: text(row.global_state) }),
      h('td', { text: count(row.turns) }))));

  const Chart = window.Chart;
  if (typeof Chart !== 'function') {
    setMessage(ui.chartError, 'The chart could not be drawn: Chart.js was not found at /vendor/chart.js/chart.min.js (install Debian’s libjs-chart.js). The table below has the same data.');
    return;
  }
  // Every hour of the window gets a bar slot, also the quiet ones (the server sends only hours with
  // turns); the window is the server's, so its hours are added in case the clocks disagree.
  const currentHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const hourTimes = new Set(Array.from({ length: WINDOW_HOURS }, (_, index) => currentHour - (WINDOW_HOURS - 1 - index) * HOUR_MS));
  const turnsAt = new Map();
  for (const row of rows) {
    const time = Date.parse(text(row.hour, ''));
    if (Number.isNaN(time)) continue;
    hourTimes.add(time);
    const key = `${time} ${text(row.global_state, '')}`;
    turnsAt.set(key, (turnsAt.get(key) || 0) + (num(row.turns) || 0));
  }
  const hours = [...hourTimes].sort((a, b) => a - b);
  const states = [...GLOBAL_STATES, ...new Set(rows.map((row) => text(row.global_state, '')).filter((s) => !GLOBAL_STATES.includes(s)))];
  const datasets = states.map((state) => {
    const color = stateColor(state);
    return {
      label: state,
      data: hours.map((time) => turnsAt.get(`${time} ${state}`) || 0),
      backgroundColor: color,
      borderColor: color,
    };
  });
  const labels = hours.map((time) => new Date(time).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  if (!chart) {
    chart = new Chart($('chart-hourly'), {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
        scales: {
          x: { stacked: true, title: { display: true, text: 'Hour' }, ticks: { maxRotation: 0, autoSkip: true } },
          y: { stacked: true, beginAtZero: true, title: { display: true, text: 'Turns' }, ticks: { precision: 0 } },
        },
      },
    });
  } else {
    chart.data.labels = labels;
    chart.data.datasets = datasets;
    chart.update('none');
  }
}

async function loadOverview() {
  if (!signedIn) return;
  if (loadingOverview) {
    overviewAgain = true;
    return;
  }
  loadingOverview = true;
  overviewAgain = false;
  ui.refresh.disabled = true;
  ui.overviewSection.setAttribute('aria-busy', 'true');
  try {
    const data = await api('/persona/overview');
    const overview = object(data && data.overview);
    showConsole();
    setMessage(ui.overviewError, '');
    renderStateCounts(list(overview.users_by_state));
    renderAttention(list(overview.attention));
    renderHourly(list(overview.turns_per_hour));
    policies.renderOverview(overview);
    ui.overviewUpdated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  } catch (error) {
    if (isNotOperator(error)) {
      showNotOperator();
    } else if (!(error instanceof ApiError && error.status === 401)) {
      showConsole();
      setMessage(ui.overviewError, `Could not load the overview: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
  } finally {
    loadingOverview = false;
    ui.refresh.disabled = false;
    ui.overviewSection.removeAttribute('aria-busy');
  }
  if (overviewAgain) await loadOverview();
}

// MARK: One user

function setCard(id, value, className) {
  const element = $(id);
  element.textContent = value;
  element.closest('.card').className = className ? `card ${className}` : 'card';
}

function renderAxes(element, axes, values) {
  replaceChildren(element, axes.flatMap(([key, label]) => [
    h('dt', { text: label }),
    h('dd', { 'data-axis': key, text: formatNumber(num(values[key])) }),
  ]));
}

function describeSnapshot(snapshot) {
  if (!snapshot) return 'No snapshot yet.';
  const parts = [formatTime(snapshot.created_at, true), `state ${text(snapshot.global_state)}`];
  // An operator action's own row on the user's time series carries no scores (see the README).
  const trace = text(snapshot.trace_id, '');
  if (trace.startsWith(OPERATOR_ACTION_TRACE)) {
    parts.push(`marks an operator action (audit entry ${trace.slice(OPERATOR_ACTION_TRACE.length)})`);
  } else {
    parts.push(`safety flag ${text(snapshot.safety_flag, 'none')}`);
    parts.push(`overload ${formatNumber(num(snapshot.overload_score))}`);
    parts.push(`reflective ${formatNumber(num(snapshot.reflective_score))}`);
    parts.push(`risk ${formatNumber(num(snapshot.safety_risk_score))}`);
  }
  parts.push(`trace ${text(snapshot.trace_id)}`);
  return parts.join(' · ');
}

function renderUser(state) {
  shownUser = text(state.user_id, '');
  $('user-shown').textContent = shownUser;
  $('user-updated').textContent = formatTime(state.updated_at, true);
  if (typeof state.updated_at === 'string') $('user-updated').setAttribute('datetime', state.updated_at);
  const globalState = text(state.global_state, 'none yet');
  setCard('user-global-state', globalState, stateClass(globalState));
  setCard('user-turn-count', count(state.turn_count));
  const held = state.silenced === true;
  setCard('user-hold', held ? 'Held (silenced)' : 'None', held ? 'held' : '');
  renderAxes($('user-values'), VALUE_AXES, object(state.value_state));
  renderAxes($('user-traits'), TRAIT_AXES, object(state.trait_state));
  $('user-snapshot').textContent = describeSnapshot(state.latest_snapshot && typeof state.latest_snapshot === 'object' ? state.latest_snapshot : null);
  const actions = list(state.actions);
  ui.actionsEmpty.hidden = actions.length > 0;
  replaceChildren(ui.actionRows, actions.map((action) => h('tr', { 'data-action': text(action.action, '') },
    h('th', { scope: 'row', text: formatTime(action.created_at, true) }),
    h('td', { text: text(action.action) }),
    h('td', {}, h('code', { text: text(action.operator) })),
    h('td', { class: 'reason', text: text(action.reason) }))));
  ui.userState.hidden = false;
}

async function loadUser(userID) {
  const id = userID.trim();
  setMessage(ui.actionResult, '');
  setMessage(ui.actionError, '');
  if (!id) {
    setMessage(ui.userError, 'Enter a user id.');
    ui.userID.focus();
    return;
  }
  ui.lookup.disabled = true;
  try {
    const data = await api(`/persona/state?user_id=${encodeURIComponent(id)}`);
    setMessage(ui.userError, '');
    renderUser(object(data && data.state));
  } catch (error) {
    if (isNotOperator(error)) {
      showNotOperator();
    } else if (!(error instanceof ApiError && error.status === 401)) {
      shownUser = null;
      ui.userState.hidden = true;
      setMessage(ui.userError, `Could not load user ${id}: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
  } finally {
    ui.lookup.disabled = false;
  }
}

// MARK: Actions

async function act(action) {
  setMessage(ui.actionResult, '');
  setMessage(ui.actionError, '');
  if (!shownUser) return;
  const reason = ui.reason.value.trim();
  if (!reason) {
    setMessage(ui.actionError, 'A reason is required: it goes into the audit trail.');
    ui.reason.focus();
    return;
  }
  if (action === 'reset'
      && !window.confirm(`Reset the values and traits of user ${shownUser} to the initial state? Their history stays, but this cannot be undone.`)) {
    return;
  }
  const userID = shownUser;
  const buttons = Object.values(actionButtons);
  buttons.forEach((button) => { button.disabled = true; });
  try {
    const data = await api('/persona/state', { method: 'POST', body: { user_id: userID, action, reason } });
    const record = object(data && data.action);
    ui.reason.value = '';
    // Reloading the user clears the action lines, so the result is shown once both are back.
    await Promise.all([loadUser(userID), loadOverview()]);
    setMessage(ui.actionResult, `${DONE[action]} user ${userID} (audit entry ${count(record.id)}).`);
  } catch (error) {
    if (isNotOperator(error)) {
      showNotOperator();
    } else if (!(error instanceof ApiError && error.status === 401)) {
      setMessage(ui.actionError, `Could not ${action} user ${userID}: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
  } finally {
    buttons.forEach((button) => { button.disabled = false; });
  }
}

// MARK: Webhook deliveries

function renderWebhooks(data) {
  const counts = object(data.counts);
  ui.webhooksSummary.textContent = `${count(counts.pending)} pending, ${count(counts.failed)} failed.`;
  const rows = list(data.deliveries);
  replaceChildren(ui.webhookRows, rows.length === 0
    ? h('tr', {}, h('td', { colspan: '5', class: 'empty-cell', text: 'No webhook event has failed.' }))
    : rows.map((row) => h('tr', { 'data-webhook': text(row.id, '') },
      h('th', { scope: 'row' }, h('code', { text: text(row.id) })),
      h('td', { text: text(row.event_type) }),
      h('td', { text: count(row.attempts) }),
      h('td', { text: text(row.last_error) }),
      h('td', { text: formatTime(row.finished_at, true) }))));
}

async function loadWebhooks() {
  try {
    renderWebhooks(object(await api('/persona/webhooks?status=failed')));
    setMessage(ui.webhooksError, '');
  } catch (error) {
    // A non-operator is handled by the overview's own load.
    if (!isNotOperator(error)) {
      setMessage(ui.webhooksError, `Could not load the webhook deliveries: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
  }
}

// MARK: Wiring

/** A 401 (the sign-in handles it) or a 403 `not_operator`: true when the error was one of those. */
function handledDenial(error) {
  if (isNotOperator(error)) {
    showNotOperator();
    return true;
  }
  return error instanceof ApiError && error.status === 401;
}

const policies = setUpPolicies({ onDenied: handledDenial, onChange: () => loadOverview() });

function startAutoRefresh() {
  stopAutoRefresh();
  timer = setInterval(() => {
    if (document.visibilityState === 'visible' && !ui.console.hidden) {
      loadOverview();
      policies.load();
      loadWebhooks();
    }
  }, AUTO_REFRESH_MS);
}

function stopAutoRefresh() {
  if (timer) clearInterval(timer);
  timer = null;
}

ui.refresh.addEventListener('click', () => {
  loadOverview();
  loadWebhooks();
});
ui.lookupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  loadUser(ui.userID.value);
});
for (const [action, button] of Object.entries(actionButtons)) {
  button.addEventListener('click', () => act(action));
}
// Enter in the reason field must not submit the form (no default action: each button names one).
$('action-form').addEventListener('submit', (event) => event.preventDefault());

startAuth({
  root: $('signin-root'),
  account: $('account'),
  accountName: $('account-name'),
  signOutButton: $('sign-out'),
  onSignedIn: () => {
    signedIn = true;
    loadOverview();
    policies.load();
    loadWebhooks();
    startAutoRefresh();
  },
  onSignedOut: () => {
    signedIn = false;
    stopAutoRefresh();
    shownUser = null;
    ui.console.hidden = true;
    ui.notOperator.hidden = true;
    ui.userState.hidden = true;
  },
}).finally(() => {
  ui.loading.hidden = true;
});
