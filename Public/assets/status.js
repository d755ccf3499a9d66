// The dashboard: the latest turn's state as cards, and the last N turns as charts, a state timeline
// and a table. Chart.js (Debian's libjs-chart.js) is loaded as a classic script before this module.

import { api, ApiError, startAuth } from './auth.js';
import { TRAIT_AXES, VALUE_AXES, formatNumber, formatTime, h, replaceChildren, setMessage, stateClass, stateColor, flagClass } from './dom.js';

const $ = (id) => document.getElementById(id);
const ui = {
  loading: $('loading'),
  dashboard: $('dashboard'),
  content: $('dashboard-content'),
  empty: $('empty-state'),
  error: $('dash-error'),
  chartsError: $('charts-error'),
  updated: $('dash-updated'),
  limit: $('turn-limit'),
  refresh: $('refresh'),
  strip: $('state-strip'),
  rows: $('data-rows'),
};

const LIMITS = ['20', '50', '100', '200'];
const LIMIT_KEY = 'sigmaris.dashboard.limit';
const AUTO_REFRESH_MS = 30_000;

const SERIES_COLORS = ['#1565c0', '#c62828', '#2e7d32', '#ef6c00'];
const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
const POINT_STYLES = ['circle', 'rect', 'triangle', 'rectRot'];

const SCORES = [['overload_score', 'Overload'], ['reflective_score', 'Reflective'], ['safety_risk_score', 'Risk']];
/** Top to bottom on the timeline chart. */
const STATE_AXIS = ['SAFETY_LOCK', 'OVERLOADED', 'REFLECTIVE', 'NORMAL', 'SILENT'];

let charts = null;
let loading = false;
let timer = null;
let signedIn = false;
/** The turns the charts show, oldest first, for the tooltips' titles. */
let shownSnapshots = [];

// MARK: Reading the API's values defensively

function num(value) {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function object(value) {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value;
  if (typeof value === 'string') {
    try {
      const parsed = JSON.parse(value);
      return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return {};
}

function text(value, fallback = '–') {
  return typeof value === 'string' && value ? value : fallback;
}

// MARK: Charts

function lineDataset(label, index) {
  const color = SERIES_COLORS[index % SERIES_COLORS.length];
  return {
    label,
    data: [],
    borderColor: color,
    backgroundColor: color,
    borderDash: DASHES[index % DASHES.length],
    pointStyle: POINT_STYLES[index % POINT_STYLES.length],
    pointRadius: 3,
    borderWidth: 2,
    tension: 0,
    spanGaps: true,
  };
}

function baseOptions(yScale) {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    interaction: { mode: 'index', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { usePointStyle: true, boxWidth: 8 } },
      tooltip: {
        callbacks: {
          title: (items) => {
            const snapshot = shownSnapshots[items[0]?.dataIndex];
            return snapshot ? `Turn ${items[0].dataIndex + 1} · ${formatTime(snapshot.created_at, true)}` : '';
          },
        },
      },
    },
    scales: {
      x: { title: { display: true, text: 'Turn (oldest → newest)' }, ticks: { maxRotation: 0, autoSkip: true, maxTicksLimit: 10 } },
      y: yScale,
    },
  };
}

function makeCharts() {
  const Chart = window.Chart;
  if (typeof Chart !== 'function') {
    setMessage(ui.chartsError, 'The charts could not be drawn: Chart.js was not found at /vendor/chart.js/chart.min.js (install Debian’s libjs-chart.js). The table below has the same data.');
    return null;
  }
  const lineChart = (id, series, yScale) => new Chart($(id), {
    type: 'line',
    data: { labels: [], datasets: series.map(([, label], index) => lineDataset(label, index)) },
    options: baseOptions(yScale),
  });
  const created = {
    traits: lineChart('chart-traits', TRAIT_AXES, { min: -1, max: 1 }),
    values: lineChart('chart-values', VALUE_AXES, { min: -1, max: 1 }),
    scores: lineChart('chart-scores', SCORES, { beginAtZero: true, suggestedMax: 1 }),
    states: new Chart($('chart-states'), {
      type: 'line',
      data: {
        labels: [],
        datasets: [{
          label: 'Global state',
          data: [],
          stepped: 'middle',
          borderColor: '#455a64',
          borderWidth: 2,
          pointRadius: 5,
          pointBackgroundColor: [],
          pointBorderColor: [],
        }],
      },
      options: {
        ...baseOptions({ type: 'category', labels: STATE_AXIS, offset: true }),
        plugins: { ...baseOptions({}).plugins, legend: { display: false } },
      },
    }),
  };
  return created;
}

function updateCharts(snapshots) {
  if (!charts) charts = makeCharts();
  if (!charts) return;
  // Turn numbers within the window; the tooltip gives each turn's time.
  const labels = snapshots.map((_, index) => `#${index + 1}`);
  const fill = (chart, series, pick) => {
    chart.data.labels = labels;
    series.forEach(([key], index) => {
      chart.data.datasets[index].data = snapshots.map((s) => num(pick(s)[key]));
    });
    chart.update('none');
  };
  fill(charts.traits, TRAIT_AXES, (s) => object(s.trait_state));
  fill(charts.values, VALUE_AXES, (s) => object(s.value_state));
  fill(charts.scores, SCORES, (s) => s);

  const states = snapshots.map((s) => (typeof s.global_state === 'string' ? s.global_state : null));
  const colors = states.map(stateColor);
  const dataset = charts.states.data.datasets[0];
  charts.states.data.labels = labels;
  dataset.data = states;
  dataset.pointBackgroundColor = colors;
  dataset.pointBorderColor = colors;
  charts.states.update('none');
}

// MARK: Cards, timeline, table

function setCard(id, value, className) {
  const element = $(id);
  element.textContent = value;
  const card = element.closest('.card');
  card.className = className ? `card ${className}` : 'card';
}

function renderLatest(snapshot) {
  const state = text(snapshot.global_state);
  const flag = text(snapshot.safety_flag, 'none');
  setCard('value-global-state', state, stateClass(state));
  setCard('value-overload', formatNumber(num(snapshot.overload_score)));
  setCard('value-reflective', formatNumber(num(snapshot.reflective_score)));
  setCard('value-safety-flag', flag, flagClass(flag));
  setCard('value-risk', formatNumber(num(snapshot.safety_risk_score)));
  const memory = num(snapshot.memory_pointer_count);
  setCard('value-memory', memory === null ? '–' : String(Math.round(memory)));
  $('latest-time').textContent = formatTime(snapshot.created_at, true);
  if (typeof snapshot.created_at === 'string') $('latest-time').setAttribute('datetime', snapshot.created_at);
  $('latest-session').textContent = text(snapshot.session_id);
  $('latest-trace').textContent = text(snapshot.trace_id);
}

function renderStrip(snapshots) {
  replaceChildren(ui.strip, snapshots.map((s, index) => {
    const state = text(s.global_state, 'unknown');
    const label = `Turn ${index + 1}, ${formatTime(s.created_at)}: ${state}`;
    return h('li', { class: `strip-cell ${stateClass(state)}`, 'data-state': state, title: label },
      h('span', { class: 'visually-hidden', text: label }));
  }));
}

function renderTable(snapshots) {
  replaceChildren(ui.rows, snapshots.map((s) => {
    const traits = object(s.trait_state);
    const values = object(s.value_state);
    const memory = num(s.memory_pointer_count);
    const cells = [
      formatTime(s.created_at, true), text(s.global_state), formatNumber(num(s.overload_score)),
      formatNumber(num(s.reflective_score)), formatNumber(num(s.safety_risk_score)), text(s.safety_flag, 'none'),
      memory === null ? '–' : String(Math.round(memory)),
      ...TRAIT_AXES.map(([key]) => formatNumber(num(traits[key]))),
      ...VALUE_AXES.map(([key]) => formatNumber(num(values[key]))),
    ];
    return h('tr', {}, cells.map((cell, index) => (index === 0 ? h('th', { scope: 'row', text: cell }) : h('td', { text: cell }))));
  }));
}

// MARK: Loading

async function refresh() {
  if (loading || !signedIn) return;
  loading = true;
  ui.refresh.disabled = true;
  ui.dashboard.setAttribute('aria-busy', 'true');
  try {
    const limit = LIMITS.includes(ui.limit.value) ? ui.limit.value : '50';
    const [latest, series] = await Promise.all([
      api('/api/state/latest'),
      api(`/api/state/timeseries?limit=${limit}`),
    ]);
    const snapshot = latest && latest.snapshot && typeof latest.snapshot === 'object' ? latest.snapshot : null;
    const snapshots = series && Array.isArray(series.snapshots) ? series.snapshots.filter((s) => s && typeof s === 'object') : [];
    setMessage(ui.error, '');
    shownSnapshots = snapshots;
    if (!snapshot && snapshots.length === 0) {
      ui.empty.hidden = false;
      ui.content.hidden = true;
    } else {
      ui.empty.hidden = true;
      ui.content.hidden = false;
      renderLatest(snapshot || snapshots[snapshots.length - 1]);
      renderStrip(snapshots);
      renderTable(snapshots);
      updateCharts(snapshots);
    }
    const turns = `${snapshots.length} turn${snapshots.length === 1 ? '' : 's'}`;
    ui.updated.textContent = `Updated ${new Date().toLocaleTimeString()} · ${turns} of the last ${limit} shown`;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) {
      setMessage(ui.error, `Could not load the state: ${error instanceof ApiError ? error.message : 'unexpected error'}`);
    }
  } finally {
    loading = false;
    ui.refresh.disabled = false;
    ui.dashboard.removeAttribute('aria-busy');
  }
}

function startAutoRefresh() {
  stopAutoRefresh();
  timer = setInterval(() => {
    if (document.visibilityState === 'visible') refresh();
  }, AUTO_REFRESH_MS);
}

function stopAutoRefresh() {
  if (timer) clearInterval(timer);
  timer = null;
}

const savedLimit = sessionStorage.getItem(LIMIT_KEY);
if (LIMITS.includes(savedLimit)) ui.limit.value = savedLimit;

ui.limit.addEventListener('change', () => {
  sessionStorage.setItem(LIMIT_KEY, ui.limit.value);
  refresh();
});
ui.refresh.addEventListener('click', () => refresh());
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') refresh();
});

startAuth({
  root: $('signin-root'),
  account: $('account'),
  accountName: $('account-name'),
  signOutButton: $('sign-out'),
  onSignedIn: () => {
    signedIn = true;
    ui.dashboard.hidden = false;
    refresh();
    startAutoRefresh();
  },
  onSignedOut: () => {
    signedIn = false;
    stopAutoRefresh();
    ui.dashboard.hidden = true;
  },
}).finally(() => {
  ui.loading.hidden = true;
});
