/**
 * A partition machine run as the runtime runs it, without the runtime: its
 * emissions collected, and every message a state does not handle recorded
 * from xstate's inspection (a microstep with no transition), as the runtime
 * reports them.
 */
import { createActor, type AnyStateMachine, type EventFromLogic, type InputFrom, type InspectionEvent } from 'xstate';
import type { StageEmission } from '../../protocols/stage.ts';

export interface HostedMachine<Logic extends AnyStateMachine> {
  send(message: EventFromLogic<Logic>): void;
  /** Everything the machine emitted, in order. */
  readonly emitted: StageEmission[];
  /** Messages no state handled: `state: type`. */
  readonly unhandled: string[];
}

export function hostMachine<Logic extends AnyStateMachine>(logic: Logic, input: InputFrom<Logic>): HostedMachine<Logic> {
  const emitted: StageEmission[] = [];
  const unhandled: string[] = [];
  const inspect = (event: InspectionEvent): void => {
    if (event.type === '@xstate.microstep' && event._transitions.length === 0) unhandled.push(`${JSON.stringify((event.snapshot as { value?: unknown }).value)}: ${event.event.type}`);
  };
  const actor = createActor(logic, { input, inspect });
  for (const type of ['eventide.output', 'eventide.publish', 'eventide.deadletter'] as const) actor.on(type, (emission) => emitted.push(emission as StageEmission));
  actor.start();
  return { send: (message) => actor.send(message), emitted, unhandled };
}
