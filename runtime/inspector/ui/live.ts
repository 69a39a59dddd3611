/**
 * The page's one WebSocket to `/api/live`. It holds what the current view
 * watches (each watch replaces the previous, as the server expects), resends
 * it after a reconnect, and reconnects with backoff (0.5 s doubling to 10 s)
 * when the socket drops. Views subscribe to updates and to the connection's
 * status; nothing here knows about any view.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { LiveRequest, LiveUpdate } from '../api.ts';

type UpdateListener = (update: LiveUpdate) => void;
type StatusListener = (connected: boolean) => void;

const FIRST_RETRY_MS = 500;
const LAST_RETRY_MS = 10_000;

export class LiveConnection {
  #socket: WebSocket | null = null;
  #connected = false;
  #watch: LiveRequest = { type: 'watch' };
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #updates = new Set<UpdateListener>();
  readonly #statuses = new Set<StatusListener>();
  readonly #url: string;

  constructor(url: string) {
    this.#url = url;
  }

  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    if (this.#socket !== null) return;
    const socket = new WebSocket(this.#url);
    this.#socket = socket;
    socket.addEventListener('open', () => {
      this.#retryMs = FIRST_RETRY_MS;
      this.#setConnected(true);
      socket.send(JSON.stringify(this.#watch));
    });
    socket.addEventListener('message', (event) => {
      let update: LiveUpdate;
      try {
        update = JSON.parse(String(event.data)) as LiveUpdate;
      } catch {
        update = { type: 'error', error: 'the live connection sent something that is not JSON' };
      }
      for (const listener of this.#updates) listener(update);
    });
    socket.addEventListener('close', () => this.#handleClose(socket));
    socket.addEventListener('error', () => socket.close());
  }

  /** Watches this from now on (replacing what was watched). */
  watch(request: LiveRequest): void {
    const same = JSON.stringify(request) === JSON.stringify(this.#watch);
    this.#watch = request;
    if (!same && this.#socket?.readyState === WebSocket.OPEN) this.#socket.send(JSON.stringify(request));
  }

  onUpdate(listener: UpdateListener): () => void {
    this.#updates.add(listener);
    return () => this.#updates.delete(listener);
  }

  onStatus(listener: StatusListener): () => void {
    this.#statuses.add(listener);
    return () => this.#statuses.delete(listener);
  }

  #handleClose(socket: WebSocket): void {
    if (this.#socket !== socket) return;
    this.#socket = null;
    this.#setConnected(false);
    if (this.#retryTimer !== null) return;
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.start();
    }, this.#retryMs);
    this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
  }

  #setConnected(connected: boolean): void {
    if (this.#connected === connected) return;
    this.#connected = connected;
    for (const listener of this.#statuses) listener(connected);
  }
}

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
/** The page's connection, to its own origin. */
export const live = new LiveConnection(`${scheme}//${location.host}/api/live`);

/** Watches `request` while the calling view is mounted and hands it every update. */
export function useLive(request: LiveRequest, onUpdate: UpdateListener): void {
  const handler = useRef(onUpdate);
  handler.current = onUpdate;
  const key = JSON.stringify(request);
  useEffect(() => {
    live.watch(request);
    const stop = live.onUpdate((update) => handler.current(update));
    return () => {
      stop();
      live.watch({ type: 'watch' });
    };
  }, [key]);
}

/** Whether the live connection is up, re-rendering the caller when it changes. */
export function useConnected(): boolean {
  const [connected, setConnected] = useState(live.connected);
  useEffect(() => live.onStatus(setConnected), []);
  return connected;
}

/** Calls `onReconnect` each time the connection comes back after a drop (views refetch what they missed). */
export function useReconnect(onReconnect: () => void): void {
  const handler = useRef(onReconnect);
  handler.current = onReconnect;
  useEffect(() => live.onStatus((connected) => { if (connected) handler.current(); }), []);
}
