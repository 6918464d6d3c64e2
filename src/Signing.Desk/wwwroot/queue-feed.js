// The tenant's queue as WatchQueue tells it: the snapshot, then each change; reconnects when the stream ends.
import { stream, ApiError } from './api.js';

export const items = new Map();
const listeners = new Set();
let controller = null;
let state = 'down';
let truncated = 0;

export const feedState = () => state;
export const omitted = () => truncated;
export const subscribe = (listener) => { listeners.add(listener); return () => listeners.delete(listener); };

function notify(change) { listeners.forEach((l) => l(change)); }

export function stop() {
  controller?.abort();
  controller = null;
  items.clear();
  state = 'down';
}

/** Watches until stop(); onUnauthenticated ends the watch (a new sign-in starts another). */
export function start(onUnauthenticated) {
  stop();
  const own = new AbortController();
  controller = own;
  let backoff = 1000;
  const run = async () => {
    while (!own.signal.aborted) {
      let fresh = true;
      // An empty queue sends no snapshot at all: forget the old items if nothing arrives soon after connecting.
      let settle = null;
      try {
        await stream('/v1/queue:watch', (change) => {
          if (fresh) {
            fresh = false;
            clearTimeout(settle);
            items.clear();
            truncated = 0;
          }
          apply(change);
          backoff = 1000;
        }, own.signal, () => {
          settle = setTimeout(() => {
            if (!fresh) return;
            fresh = false;
            items.clear();
            notify({ kind: 'SNAPSHOT' });
          }, 500);
        });
      } catch (error) {
        if (own.signal.aborted) return;
        if (error instanceof ApiError && error.unauthenticated) {
          state = 'down';
          notify({ kind: 'STATE' });
          onUnauthenticated();
          return;
        }
      }
      clearTimeout(settle);
      if (own.signal.aborted) return;
      state = 'down';
      notify({ kind: 'STATE' });
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 30000);
    }
  };
  state = 'up';
  notify({ kind: 'STATE' });
  run();
}

function apply(change) {
  const kind = (change.kind ?? '').replace('KIND_', '');
  const item = change.item;
  if (!item?.applicationId) return;
  state = 'up';
  if (kind === 'REMOVED') items.delete(item.applicationId);
  else items.set(item.applicationId, item);
  if (change.snapshotTruncated) truncated = change.snapshotOmitted ?? 0;
  notify({ kind, item });
}

/** Oldest first, as the server orders the queue. */
export function ordered() {
  const at = (item) => Date.parse(item.queuedAt ?? '') || 0;
  return [...items.values()].sort((a, b) => at(a) - at(b) || (a.code ?? '').localeCompare(b.code ?? ''));
}
