/**
 * Sees, through xstate's inspection, every message an actor of a partition
 * did not handle, so that none vanishes silently:
 *
 * - a microstep without transitions (`@xstate.microstep` with
 *   `_transitions.length === 0`): the actor's current state, and its
 *   ancestors, have no transition for the message (or every guard failed);
 * - a message to an actor that no longer runs (`@xstate.event` to an actor
 *   whose status is not `active`, such as a window in its final state):
 *   xstate drops it without a microstep.
 *
 * The observer does nothing more than a length and a status check for the
 * messages that were handled; it runs for every event of every actor of the
 * partition.
 */
import type { InspectionEvent } from 'xstate';

/** A message an actor did not handle. */
export interface UnhandledMessage {
  /** The actor's id (a child's stable id, such as `q:<query>`, or the root's). */
  readonly actor: string;
  /** The id of the actor's machine (`unknown` for logic without one). */
  readonly machine: string;
  /** The actor's state value as JSON, or its status when it no longer runs. */
  readonly state: string;
  /** The message's type. */
  readonly type: string;
}

interface InspectedActor {
  readonly id: string;
  readonly logic?: { readonly id?: string };
  getSnapshot(): { readonly status?: string; readonly value?: unknown; readonly machine?: { readonly id?: string } };
}

/** Messages xstate sends an actor on its own, which no state is meant to handle. */
const isLifecycleEvent = (type: string): boolean => type === 'xstate.stop' || type === 'xstate.init';

/** An inspection observer that calls `report` for each message an actor did not handle. */
export function unhandledMessageObserver(report: (message: UnhandledMessage) => void): (event: InspectionEvent) => void {
  return (event) => {
    if (event.type === '@xstate.microstep') {
      if (event._transitions.length !== 0) return;
      const type = event.event.type;
      const snapshot = event.snapshot as { status?: string; value?: unknown; machine?: { id?: string } };
      // An error event nothing handles fails the actor, and the partition with it: that is reported as a failure.
      if (isLifecycleEvent(type) || snapshot.status === 'error') return;
      const actor = event.actorRef as unknown as InspectedActor;
      report({ actor: actor.id, machine: snapshot.machine?.id ?? actor.logic?.id ?? 'unknown', state: stateOf(snapshot.value), type });
    } else if (event.type === '@xstate.event') {
      const actor = event.actorRef as unknown as InspectedActor;
      const snapshot = actor.getSnapshot();
      if (snapshot.status === 'active' || snapshot.status === undefined) return;
      const type = event.event.type;
      if (isLifecycleEvent(type)) return;
      report({ actor: actor.id, machine: snapshot.machine?.id ?? actor.logic?.id ?? 'unknown', state: `${stateOf(snapshot.value)} (${snapshot.status})`, type });
    }
  };
}

function stateOf(value: unknown): string {
  return value === undefined ? 'none' : JSON.stringify(value);
}

/** Calls every given observer (the host's and the node's own `inspect`). */
export function combineObservers(...observers: readonly ((event: InspectionEvent) => void)[]): (event: InspectionEvent) => void {
  if (observers.length === 1) return observers[0]!;
  return (event) => {
    for (const observer of observers) observer(event);
  };
}
