/**
 * The inspector's live updates over WebSocket. Each page says what it
 * watches (the cluster, one actor list, one actor); a timer pushes what
 * changed, at most four times a second for an actor and once a second for
 * lists and the cluster, and skips a page whose socket is still busy.
 * Without pages, there is no timer and no observer: nothing runs.
 */
import type { WebSocket } from 'ws';
import type { Clock } from '../../protocols/clock.ts';
import type { Logger } from '../logger.ts';
import type { ClusterView, LiveRequest, LiveUpdate } from './api.ts';
import { ActorDirectory, parseActorQuery } from './actor-directory.ts';
import type { MessageRecorder } from './message-recorder.ts';

/** How often the hub looks for changes. */
export const LIVE_TICK_MS = 250;
/** Lists and the cluster are pushed every this many ticks. */
const SLOW_EVERY = 4;
/** A page's requests are handled at most this often (the newest one wins). */
const MIN_REQUEST_GAP_MS = 200;
/** The actor list is pushed at most this often. */
const LIST_EVERY_MS = 1000;
/** A page whose socket holds more than this many unsent bytes gets no update this tick. */
const BUSY_BYTES = 1 << 20;

export interface LiveHubOptions {
  readonly directory: ActorDirectory;
  readonly recorder: MessageRecorder;
  readonly cluster: () => Promise<ClusterView>;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface Watcher {
  readonly socket: WebSocket;
  request: LiveRequest;
  /** When the actor list may be pushed next: a list that took long to walk is pushed less often. */
  nextListAt: number;
  /** When the page's last request was handled, and the newest one held back since. */
  lastRequestAt: number;
  pendingRequest: string | null;
  /** The actor snapshot and newest message last pushed, to push only changes. */
  lastSnapshot: unknown;
  lastMessage: unknown;
  gone: boolean;
}

export class LiveHub {
  readonly #options: LiveHubOptions;
  readonly #watchers = new Set<Watcher>();
  #cancelTimer: (() => void) | null = null;
  #ticks = 0;

  constructor(options: LiveHubOptions) {
    this.#options = options;
  }

  /** Pages connected now. */
  get watchers(): number {
    return this.#watchers.size;
  }

  /** Serves one page's socket until it closes. */
  attach(socket: WebSocket): void {
    const watcher: Watcher = { socket, request: { type: 'watch' }, nextListAt: 0, lastRequestAt: Number.NEGATIVE_INFINITY, pendingRequest: null, lastSnapshot: undefined, lastMessage: undefined, gone: false };
    this.#watchers.add(watcher);
    socket.on('message', (data) => {
      // What a page watches changes a few times a second at most: a faster page gets its newest request a moment later.
      const now = this.#options.clock.now();
      if (now - watcher.lastRequestAt < MIN_REQUEST_GAP_MS) {
        watcher.pendingRequest = String(data);
        return;
      }
      this.#handleRequest(watcher, String(data), now);
    });
    socket.on('close', () => {
      this.#watchers.delete(watcher);
      this.#updateRecorder();
      if (this.#watchers.size === 0) this.#stopTimer();
    });
    socket.on('error', () => socket.terminate());
    if (this.#cancelTimer === null) this.#cancelTimer = this.#options.clock.every(LIVE_TICK_MS, () => this.#tick());
  }

  #handleRequest(watcher: Watcher, text: string, now: number): void {
    watcher.lastRequestAt = now;
    try {
      watcher.request = parseRequest(text);
      watcher.lastSnapshot = undefined;
      watcher.lastMessage = undefined;
      watcher.gone = false;
      watcher.nextListAt = 0;
      this.#updateRecorder();
      void this.#push(watcher, true, undefined);
    } catch (error) {
      send(watcher, { type: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  }

  close(): void {
    this.#stopTimer();
    for (const watcher of this.#watchers) watcher.socket.terminate();
    this.#watchers.clear();
    this.#options.recorder.close();
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
  }

  #tick(): void {
    // A tick runs on the partitions' thread: nothing it meets may throw out of it.
    try {
      this.#tickOnce();
    } catch (error) {
      this.#options.logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'inspector: a live update failed');
    }
  }

  #tickOnce(): void {
    this.#ticks++;
    const now = this.#options.clock.now();
    for (const watcher of this.#watchers) {
      if (watcher.pendingRequest === null) continue;
      const text = watcher.pendingRequest;
      watcher.pendingRequest = null;
      this.#handleRequest(watcher, text, now);
    }
    this.#updateRecorder();
    const slow = this.#ticks % SLOW_EVERY === 0;
    let cluster: Promise<ClusterView> | undefined;
    for (const watcher of this.#watchers) {
      if (watcher.socket.bufferedAmount > BUSY_BYTES) continue;
      if (slow && watcher.request.cluster === true) cluster ??= this.#options.cluster();
      void this.#push(watcher, slow, cluster);
    }
  }

  /** Tells the recorder which actors are watched now (they may have restarted elsewhere and back). */
  #updateRecorder(): void {
    const watched = new Map<string, string>();
    const keep = new Set<string>();
    for (const watcher of this.#watchers) {
      const id = watcher.request.actor;
      if (id === undefined) continue;
      keep.add(id);
      const actor = this.#options.directory.find(id);
      if (actor?.sessionId != null) watched.set(actor.sessionId, id);
    }
    this.#options.recorder.watch(watched, keep);
  }

  async #push(watcher: Watcher, slow: boolean, cluster: Promise<ClusterView> | undefined): Promise<void> {
    const { request } = watcher;
    const { directory, recorder } = this.#options;
    try {
      if (request.actor !== undefined) {
        const actor = directory.find(request.actor);
        if (actor === null) {
          if (!watcher.gone) {
            // Its last state first: a window that reached its final state is removed in the same step.
            const last = recorder.lastSnapshot(request.actor);
            if (last !== undefined && last !== watcher.lastSnapshot) {
              const detail = directory.departed(request.actor, last, recorder.messages(request.actor));
              if (detail !== null) send(watcher, { type: 'actor', actor: detail });
            }
            send(watcher, { type: 'actor.gone', id: request.actor });
          }
          watcher.gone = true;
        } else {
          watcher.gone = false;
          const messages = recorder.messages(request.actor);
          const newest = messages.at(-1);
          if (actor.snapshot !== watcher.lastSnapshot || newest !== watcher.lastMessage) {
            watcher.lastSnapshot = actor.snapshot;
            watcher.lastMessage = newest;
            const detail = directory.detail(request.actor, messages, recorder.isRecording(request.actor));
            if (detail !== null) send(watcher, { type: 'actor', actor: detail });
          }
        }
      }
      if (!slow) return;
      const now = this.#options.clock.now();
      if (request.actors !== undefined && now >= watcher.nextListAt) {
        const started = performance.now();
        const list = directory.list(parseActorQuery(new URLSearchParams(request.actors)));
        // Walking 100,000 actors takes tens of milliseconds of the thread the partitions run on: keep it under 2.5 %.
        watcher.nextListAt = now + Math.max(LIST_EVERY_MS, (performance.now() - started) * 40);
        send(watcher, { type: 'actors', query: request.actors, list });
      }
      if (request.cluster === true) send(watcher, { type: 'cluster', cluster: await (cluster ?? this.#options.cluster()) });
    } catch (error) {
      send(watcher, { type: 'error', error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function send(watcher: Watcher, update: LiveUpdate): void {
  if (watcher.socket.readyState === watcher.socket.OPEN) watcher.socket.send(JSON.stringify(update));
}

function parseRequest(text: string): LiveRequest {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null || (value as { type?: unknown }).type !== 'watch') throw new TypeError('a live request is {"type":"watch", "cluster"?: true, "actors"?: "<query>", "actor"?: "<id>"}');
  const { cluster, actors, actor } = value as Record<string, unknown>;
  if (cluster !== undefined && typeof cluster !== 'boolean') throw new TypeError('"cluster" must be true or false');
  if (actors !== undefined && typeof actors !== 'string') throw new TypeError('"actors" must be the query string of GET /api/actors');
  if (actor !== undefined && typeof actor !== 'string') throw new TypeError('"actor" must be an actor id');
  return { type: 'watch', ...(cluster === true ? { cluster } : {}), ...(actors === undefined ? {} : { actors }), ...(actor === undefined ? {} : { actor }) };
}
