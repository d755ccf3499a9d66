// The operator page's policies (docs/policies.md): the list (GET /persona/policies), a form to create
// one (POST), enable / disable (PATCH) and delete (DELETE) buttons, and from the overview the users
// flagged for review and the newest triggers. The server checks every policy; its 400 reason is shown
// as it is.

import { api, ApiError } from './auth.js';
import { formatTime, h, replaceChildren, setMessage } from './dom.js';

const $ = (id) => document.getElementById(id);

/** The labels and their values; every other metric is a number (the server's list is the authority). */
const LABELS = {
  global_state: ['NORMAL', 'REFLECTIVE', 'OVERLOADED', 'SAFETY_LOCK', 'SILENT'],
  safety_flag: ['none', 'intervened', 'escalated', 'blocked'],
};

function text(value, fallback = '–') {
  return typeof value === 'string' && value ? value : fallback;
}

function list(value) {
  return Array.isArray(value) ? value.filter((item) => item && typeof item === 'object') : [];
}

function describeRule(policy) {
  const when = policy.when && typeof policy.when === 'object' ? policy.when : {};
  const value = typeof when.value === 'string' ? when.value : String(when.value);
  const turns = Number.isInteger(when.forTurns) ? when.forTurns : 1;
  return `${text(when.metric)} ${text(when.op)} ${value} for ${turns} turn${turns === 1 ? '' : 's'}`;
}

function errorText(error) {
  return error instanceof ApiError ? error.message : 'unexpected error';
}

/**
 * Wires the policy section. `onDenied(error)` is the page's handling of a 401 or a 403
 * `not_operator` (it returns true when it handled the error); `onChange()` reloads the overview.
 */
export function setUpPolicies({ onDenied, onChange }) {
  const ui = {
    rows: $('policy-rows'),
    empty: $('policies-empty'),
    error: $('policies-error'),
    form: $('policy-form'),
    metric: $('policy-metric'),
    value: $('policy-value'),
    formError: $('policy-form-error'),
    formResult: $('policy-form-result'),
    flaggedRows: $('flagged-rows'),
    flaggedEmpty: $('flagged-empty'),
    triggerRows: $('trigger-rows'),
    triggersEmpty: $('triggers-empty'),
  };

  async function run(work, errorElement, what) {
    try {
      return await work();
    } catch (error) {
      if (!onDenied(error)) setMessage(errorElement, `Could not ${what}: ${errorText(error)}`);
      return null;
    }
  }

  function render(policies) {
    ui.empty.hidden = policies.length > 0;
    replaceChildren(ui.rows, policies.map((policy) => {
      const id = Number.isInteger(policy.id) ? policy.id : null;
      const name = text(policy.name);
      const enabled = policy.enabled === true;
      return h('tr', { 'data-policy': id, 'data-enabled': enabled ? 'true' : 'false' },
        h('th', { scope: 'row', text: name }),
        h('td', {}, h('code', { text: describeRule(policy) })),
        h('td', { text: text(policy.action) }),
        h('td', { text: enabled ? 'on' : 'off' }),
        h('td', { text: Number.isInteger(policy.triggers) ? String(policy.triggers) : '–' }),
        h('td', { text: policy.last_triggered_at ? formatTime(policy.last_triggered_at, true) : '–' }),
        h('td', { class: 'policy-buttons' },
          h('button', {
            type: 'button', class: 'secondary small', 'aria-label': `${enabled ? 'Disable' : 'Enable'} policy ${name}`,
            text: enabled ? 'Disable' : 'Enable',
            onclick: () => change(id, { enabled: !enabled }, `${enabled ? 'disable' : 'enable'} policy ${name}`),
          }),
          h('button', {
            type: 'button', class: 'danger small', 'aria-label': `Delete policy ${name}`, text: 'Delete',
            onclick: () => {
              if (window.confirm(`Delete policy ${name}? Its streaks end; its triggers stay listed under its name.`)) {
                remove(id, name);
              }
            },
          })));
    }));
  }

  async function load() {
    const data = await run(() => api('/persona/policies'), ui.error, 'load the policies');
    if (!data) return;
    setMessage(ui.error, '');
    render(list(data.policies));
  }

  async function change(id, body, what) {
    setMessage(ui.error, '');
    const done = await run(() => api(`/persona/policies/${id}`, { method: 'PATCH', body }), ui.error, what);
    if (done) await Promise.all([load(), onChange()]);
  }

  async function remove(id, name) {
    setMessage(ui.error, '');
    const done = await run(() => api(`/persona/policies/${id}`, { method: 'DELETE' }), ui.error, `delete policy ${name}`);
    if (done) await Promise.all([load(), onChange()]);
  }

  async function create(event) {
    event.preventDefault();
    setMessage(ui.formError, '');
    setMessage(ui.formResult, '');
    const fields = new FormData(ui.form);
    const metric = String(fields.get('metric') || '').trim();
    const raw = String(fields.get('value') || '').trim();
    // A label's value is its text; a number metric's value must be a number (the server says so otherwise).
    const value = LABELS[metric] || raw === '' || Number.isNaN(Number(raw)) ? raw : Number(raw);
    const body = {
      name: String(fields.get('name') || ''),
      when: { metric, op: String(fields.get('op') || ''), value, forTurns: Number(fields.get('forTurns')) },
      action: String(fields.get('action') || ''),
      reason: String(fields.get('reason') || ''),
    };
    const data = await run(() => api('/persona/policies', { method: 'POST', body }), ui.formError, 'create the policy');
    if (!data) return;
    ui.form.reset();
    suggestValues();
    setMessage(ui.formResult, `Created policy ${text(data.policy && data.policy.name)}.`);
    await load();
  }

  /** The value field suggests a label's values once a label metric is chosen. */
  function suggestValues() {
    const labels = LABELS[ui.metric.value.trim()] || [];
    replaceChildren($('policy-value-options'), labels.map((label) => h('option', { value: label })));
    ui.value.placeholder = labels.length ? labels.join(', ') : 'a number, e.g. 0.8';
  }

  ui.form.addEventListener('submit', create);
  ui.metric.addEventListener('input', suggestValues);
  suggestValues();

  return {
    load,
    /** The overview's `flagged` and `policy_triggers`. */
    renderOverview(overview) {
      const flagged = list(overview.flagged);
      ui.flaggedEmpty.hidden = flagged.length > 0;
      replaceChildren(ui.flaggedRows, flagged.map((row) => h('tr', { 'data-user': text(row.user_id, '') },
        h('th', { scope: 'row' }, h('code', { text: text(row.user_id) })),
        h('td', { text: text(row.policy_name) }),
        h('td', { class: 'reason', text: text(row.reason) }),
        h('td', { text: formatTime(row.flagged_at, true) }))));
      const triggers = list(overview.policy_triggers);
      ui.triggersEmpty.hidden = triggers.length > 0;
      replaceChildren(ui.triggerRows, triggers.map((row) => h('tr', { 'data-action': text(row.action, '') },
        h('th', { scope: 'row', text: formatTime(row.created_at, true) }),
        h('td', { text: text(row.policy_name) }),
        h('td', { text: text(row.action) }),
        h('td', {}, h('code', { text: text(row.user_id) })),
        h('td', {}, h('code', { text: text(row.trace_id) })))));
    },
  };
}
