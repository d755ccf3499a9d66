// The chat page's Memories panel: what the persona remembers of the signed-in user (GET
// /api/memories), newest first or by relevance to a search, each deletable after a confirmation
// (DELETE /api/memories/{id}). A deleted memory is never recalled again, so the panel is how a
// user makes the persona forget one thing without deleting a whole session.

import { api, ApiError } from './auth.js';
import { formatTime, h, replaceChildren, setMessage } from './dom.js';

/** How many memories one look shows (the server allows 1..100). */
const LIST_LIMIT = 50;

const $ = (id) => document.getElementById(id);

/**
 * Wires the panel's elements; `show()` (re)loads the list as it is now asked for (the search in the
 * box, or the newest), `clear()` empties it (signed out).
 */
export function memoriesPanel() {
  const ui = {
    form: $('memory-search'),
    query: $('memory-query'),
    newest: $('memory-newest'),
    error: $('memories-error'),
    status: $('memories-status'),
    list: $('memory-list'),
  };
  /** The search the list answers, or '' for the newest. */
  let searched = '';
  /** Bumped on every load, so a late answer to an older one is dropped. */
  let generation = 0;

  /** `rank`: its place in the list. A search's answer is best first, and its `score` (a fused rank,
   *  about 0.016 for every good match) says nothing a reader can use, so the place is shown instead. */
  function memoryElement(memory, rank) {
    const when = typeof memory.createdAt === 'string' ? formatTime(memory.createdAt, true) : '';
    const score = typeof memory.score === 'number' ? (rank === 0 ? ' · best match' : ` · match ${rank + 1}`) : '';
    const summary = typeof memory.summary === 'string' ? memory.summary : '';
    const said = typeof memory.rawContext === 'string' ? memory.rawContext : '';
    return h('li', { class: 'memory', 'data-testid': 'memory', 'data-memory-id': memory.id },
      h('div', { class: 'memory-body' },
        h('p', { 'data-testid': 'memory-summary', text: summary }),
        said ? h('p', { class: 'memory-said', 'data-testid': 'memory-said', text: `You said: ${said}` }) : null,
        h('p', { class: 'hint', text: `${when}${score}` })),
      h('button', {
        type: 'button', class: 'secondary', 'data-testid': 'memory-delete', 'aria-label': `Delete the memory: ${summary}`,
        onclick: () => remove(memory),
      }, 'Delete'));
  }

  async function show() {
    const mine = ++generation;
    setMessage(ui.error, '');
    ui.list.setAttribute('aria-busy', 'true');
    const query = searched ? `q=${encodeURIComponent(searched)}&` : '';
    try {
      const data = await api(`/api/memories?${query}limit=${LIST_LIMIT}`);
      if (mine !== generation) return;
      const memories = (data && Array.isArray(data.memories) ? data.memories : [])
        .filter((m) => m && typeof m.id === 'string');
      replaceChildren(ui.list, memories.map(memoryElement));
      if (memories.length) {
        setMessage(ui.status, searched ? `${memories.length} memories match "${searched}", best first.` : 'Newest first.');
      } else {
        setMessage(ui.status, searched ? `No memory matches "${searched}".` : 'No memories yet.');
      }
    } catch (error) {
      if (mine !== generation || (error instanceof ApiError && error.status === 401)) return;
      setMessage(ui.error, `Could not load your memories: ${error.message}`);
    } finally {
      if (mine === generation) ui.list.removeAttribute('aria-busy');
    }
  }

  async function remove(memory) {
    const summary = typeof memory.summary === 'string' ? memory.summary : '';
    if (!window.confirm(`Delete this memory? Sigmaris will never recall it again.\n\n${summary}`)) return;
    try {
      await api(`/api/memories/${encodeURIComponent(memory.id)}`, { method: 'DELETE' });
    } catch (error) {
      // Already gone (another tab deleted it): the list below shows that.
      if (error instanceof ApiError && error.status === 401) return;
      if (!(error instanceof ApiError && error.status === 404)) {
        setMessage(ui.error, `The memory was not deleted: ${error.message}`);
        return;
      }
    }
    await show();
    setMessage(ui.status, 'Memory deleted.');
  }

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.query.value.trim();
    if (text && [...text].length > 200) {
      setMessage(ui.error, 'A search has at most 200 characters.');
      return;
    }
    searched = text;
    show();
  });

  ui.newest.addEventListener('click', () => {
    ui.query.value = '';
    searched = '';
    show();
  });

  return {
    show,
    clear() {
      generation += 1;
      searched = '';
      ui.query.value = '';
      replaceChildren(ui.list);
      setMessage(ui.error, '');
      setMessage(ui.status, '');
    },
  };
}
