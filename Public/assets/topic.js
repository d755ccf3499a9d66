// The engine's topic labels in the reader's language. The engine writes its labels in Japanese and
// keeps them byte-exact (its drift rules match words inside them, docs/engine.md §3), so the page
// translates the known ones when it shows them; a Japanese reader sees them as they are.

const CONTINUATION = '過去の会話の続き（自動推定）';
const NEW_TOPIC = '新規トピック';
const NEW_TOPIC_PREFIX = '新規トピック: ';

/** True when the reader's first preferred language is Japanese. */
export function readsJapanese(languages = navigator.languages || [navigator.language]) {
  const first = Array.isArray(languages) && languages.length ? String(languages[0]) : '';
  return first.toLowerCase().startsWith('ja');
}

/**
 * The label as the reader should see it: the engine's three known forms in English for a reader
 * whose first language is not Japanese (the quoted head of the message stays as written), any
 * other label as it is.
 */
export function topicText(label, languages) {
  if (typeof label !== 'string' || readsJapanese(languages)) return label;
  if (label === CONTINUATION) return 'Continuing an earlier conversation (estimated)';
  if (label === NEW_TOPIC) return 'New topic';
  if (label.startsWith(NEW_TOPIC_PREFIX)) return `New topic: ${label.slice(NEW_TOPIC_PREFIX.length)}`;
  return label;
}
