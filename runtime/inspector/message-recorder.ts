/**
 * The last messages each watched actor handled, for the inspector's
 * timeline. It observes the node's actors only while at least one actor is
 * watched (it removes its observer otherwise), and keeps messages only for
 * the watched ones: nobody watching costs nothing.
 */
import type { AnyMachineSnapshot, InspectionEvent } from 'xstate';
import type { ActorObserver } from '../actor-observers.ts';
import type { MessageSummary } from './api.ts';
import { describeState } from './actor-paths.ts';
import { summarizeMessage } from './plain-json.ts';

/** Messages kept per watched actor. */
export const MESSAGES_KEPT = 50;

export interface MessageRecorderOptions {
  /** Adds an observer of every actor's inspection events; returns its removal (`node.observeActors`). */
  readonly observe: (observer: ActorObserver) => () => void;
  /** The time stamped on each message. */
  readonly now: () => number;
}

export class MessageRecorder {
  readonly #options: MessageRecorderOptions;
  /** Actor id by xstate session id, for the actors watched now. */
  #watched = new Map<string, string>();
  readonly #messages = new Map<string, MessageSummary[]>();
  /** The newest snapshot of each watched actor, which outlives the actor (a final state is its last word). */
  readonly #snapshots = new Map<string, AnyMachineSnapshot>();
  /** Messages some transition of a watched actor took (microsteps come before the snapshot). */
  #handled = new WeakSet<object>();
  #stopObserving: (() => void) | null = null;

  constructor(options: MessageRecorderOptions) {
    this.#options = options;
  }

  /**
   * Records messages for exactly these actors from now on (session id → actor
   * id); the messages of actors no longer watched are dropped.
   */
  watch(actors: ReadonlyMap<string, string>, keep: ReadonlySet<string> = new Set()): void {
    this.#watched = new Map(actors);
    const ids = new Set([...actors.values(), ...keep]);
    for (const id of this.#messages.keys()) if (!ids.has(id)) this.#messages.delete(id);
    for (const id of this.#snapshots.keys()) if (!ids.has(id)) this.#snapshots.delete(id);
    if (actors.size > 0 && this.#stopObserving === null) this.#stopObserving = this.#options.observe(this.#observer);
    if (actors.size === 0 && this.#stopObserving !== null) {
      this.#stopObserving();
      this.#stopObserving = null;
      this.#handled = new WeakSet();
    }
  }

  /** Whether messages of this actor are being recorded. */
  isRecording(id: string): boolean {
    for (const watched of this.#watched.values()) if (watched === id) return true;
    return false;
  }

  /** The recorded messages of an actor, the oldest first. */
  messages(id: string): readonly MessageSummary[] {
    return this.#messages.get(id) ?? [];
  }

  /** The newest snapshot seen of a watched actor (still there after the actor stopped), or undefined. */
  lastSnapshot(id: string): AnyMachineSnapshot | undefined {
    return this.#snapshots.get(id);
  }

  /** Forgets an actor that is gone, until it is watched (and seen) again. */
  forget(id: string): void {
    this.#snapshots.delete(id);
  }

  /** Stops observing. */
  close(): void {
    this.watch(new Map());
  }

  readonly #observer = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep' && event.type !== '@xstate.snapshot') return;
    const id = this.#watched.get(event.actorRef.sessionId);
    if (id === undefined) return;
    if (event.type === '@xstate.microstep') {
      if (event._transitions.length > 0) this.#handled.add(event.event);
      return;
    }
    this.#snapshots.set(id, event.snapshot as AnyMachineSnapshot);
    const message = event.event as { type: string } & Record<string, unknown>;
    let list = this.#messages.get(id);
    if (list === undefined) this.#messages.set(id, (list = []));
    list.push({
      at: this.#options.now(),
      type: message.type,
      summary: summarizeMessage(message),
      state: describeState((event.snapshot as { value?: unknown }).value),
      handled: this.#handled.has(message),
    });
    if (list.length > MESSAGES_KEPT) list.splice(0, list.length - MESSAGES_KEPT);
  };
}
