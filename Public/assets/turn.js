// One chat turn, POST /api/aei: streamed over Server-Sent Events when the server can (the reply
// arrives piece by piece), one JSON answer otherwise. Either way the caller gets the same JSON object
// (the `done` event carries exactly what the JSON route returns).

import { api, apiEventStream, ApiError, describeError } from './auth.js';
import { readEventStream } from './sse.js';

/** The stream broke or made no sense (not the server's `error` event, which is an answer). */
class StreamFailure extends Error {}

/** HTTP statuses the JSON route would have answered for each `reason` of an `error` event. */
const ERROR_STATUS = { database_unavailable: 503, turn_conflict: 409, internal_error: 500 };

function parse(data) {
  try {
    return JSON.parse(data);
  } catch {
    throw new StreamFailure('The server sent an event that is not JSON.');
  }
}

/** Reads a turn's events: `onDelta(text)` for each piece; resolves with `done`'s JSON, rejects on `error`. */
async function readTurn(response, onDelta) {
  let answer;
  let failure;
  try {
    await readEventStream(response.body, ({ event, data }) => {
      if (event === 'delta') {
        const delta = parse(data);
        if (typeof delta?.text !== 'string') throw new StreamFailure('The server sent a delta without text.');
        if (delta.text) onDelta(delta.text);
        return false;
      }
      if (event === 'done') {
        answer = parse(data);
        return true;
      }
      if (event === 'error') {
        const body = parse(data);
        failure = new ApiError(ERROR_STATUS[body?.reason] || 502, describeError(502, body), body);
        return true;
      }
      return false; // an event this page does not know: a newer server's, ignored
    });
  } catch (error) {
    throw error instanceof StreamFailure ? error : new StreamFailure('The connection broke during the reply.');
  }
  if (failure) throw failure;
  if (answer === undefined) throw new StreamFailure('The reply stopped before it was complete.');
  return answer;
}

/**
 * Sends `text` as one turn of `sessionID`. `onDelta(text)` gets each piece of the reply as it streams.
 * Resolves with the route's JSON answer; rejects with an ApiError (a 4xx before the stream, the
 * stream's `error` event, or a stream that broke after some of the reply was shown). A stream that
 * fails before its first piece is retried once as a plain JSON request.
 */
export async function postTurn(text, sessionID, onDelta) {
  const request = { method: 'POST', body: { text }, headers: { 'x-session-id': sessionID } };
  let pieces = 0;
  try {
    const answer = await apiEventStream('/api/aei', request);
    if (!answer.stream) return answer.data; // a server that does not stream answered JSON
    return await readTurn(answer.stream, (piece) => {
      pieces += 1;
      onDelta(piece);
    });
  } catch (error) {
    const broke = error instanceof StreamFailure || (error instanceof ApiError && error.status === 0);
    if (!broke) throw error;
    if (pieces > 0) throw new ApiError(0, error.message);
    return api('/api/aei', request);
  }
}
