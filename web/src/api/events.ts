/**
 * Live updates: one EventSource on `/v1/events` for the whole app. Pages
 * subscribe to the event types they show; the header's indicator says
 * whether the stream is up. EventSource reconnects by itself (the server
 * asks for 2 s), so a restarted server resumes the updates.
 * @module
 */
export type LiveEventType =
  | 'hello'
  | 'version'
  | 'environment'
  | 'rollout'
  | 'registry'
  | 'served'
  | 'alert';

export interface LiveEvent {
  type: LiveEventType;
  data: Record<string, unknown>;
}

type Listener = (e: LiveEvent) => void;

const TYPES: LiveEventType[] = [
  'hello',
  'version',
  'environment',
  'rollout',
  'registry',
  'served',
  'alert',
];
const listeners = new Set<Listener>();
let source: EventSource | null = null;
let onState: (up: boolean) => void = () => {};

export function connectEvents(stateChanged: (up: boolean) => void): void {
  onState = stateChanged;
  if (source !== null) return;
  source = new EventSource('/v1/events');
  source.onopen = () => onState(true);
  source.onerror = () => onState(false);
  for (const type of TYPES) {
    source.addEventListener(type, (ev) => {
      let data: Record<string, unknown> = {};
      try {
        data = JSON.parse((ev as MessageEvent<string>).data) as Record<string, unknown>;
      } catch {
        return;
      }
      for (const fn of [...listeners]) fn({ type, data });
    });
  }
}

/** Listen to every event; returns the unsubscribe function. */
export function onLive(fn: Listener): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
