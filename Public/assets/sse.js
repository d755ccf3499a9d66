// Server-Sent Events read from a fetch() response body (EventSource cannot POST or send headers).
// Follows the WHATWG parsing rules the turn routes rely on: lines end in CRLF, LF or CR (a CRLF may be
// split across two reads), `:` starts a comment (keep-alives), `data:` lines of one event join with
// "\n", a blank line dispatches the event, and an event the stream cut off before its blank line is
// dropped.

/**
 * Reads `body` (a ReadableStream of bytes) and calls `onEvent({ event, data })` for each complete
 * event; `event` is "message" when the server named none. Resolves when the stream ends, or as soon
 * as `onEvent` returns true (the rest is cancelled). Rejects when reading fails.
 */
export async function readEventStream(body, onEvent) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  let event = { type: '', data: [] };

  const line = (text) => {
    if (text === '') {
      const complete = event;
      event = { type: '', data: [] };
      return complete.data.length > 0 && onEvent({ event: complete.type || 'message', data: complete.data.join('\n') }) === true;
    }
    if (text.startsWith(':')) return false;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event.type = value;
    else if (field === 'data') event.data.push(value);
    return false; // `id` and `retry` mean nothing to a one-shot stream
  };

  try {
    for (;;) {
      const { value, done } = await reader.read();
      pending += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // A CR at the very end may be the first half of a CRLF: keep it for the next read.
      const breaks = /\r\n|\r(?!$)|\n/g;
      let start = 0;
      for (let match = breaks.exec(pending); match; match = breaks.exec(pending)) {
        if (line(pending.slice(start, match.index))) return;
        start = match.index + match[0].length;
      }
      pending = pending.slice(start);
      if (done) {
        if (pending === '\r') line('');
        return;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
