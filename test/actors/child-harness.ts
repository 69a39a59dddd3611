/**
 * Runs a child machine (window, query) under a minimal parent that records
 * every message the child sends it, as its real parent would receive them,
 * and the child's done output. Messages a state of the child does not handle
 * are recorded too, from xstate's inspection (a microstep with no transition).
 */
import { assign, createActor, setup, type AnyActorRef, type AnyStateMachine, type InputFrom, type EventFromLogic, type SnapshotFrom } from 'xstate';

export interface Unhandled {
  readonly actor: string;
  readonly state: unknown;
  readonly type: string;
}

export interface ChildHarness<Logic extends AnyStateMachine> {
  send(message: EventFromLogic<Logic>): void;
  /** Messages the child sent its parent since the last `take`. */
  take(): { type: string; [field: string]: unknown }[];
  /** The child's snapshot (status `done` once it reached its final state). */
  snapshot(): SnapshotFrom<Logic> | undefined;
  /** The child's done output, once it reached its final state. */
  readonly output: () => unknown;
  readonly unhandled: Unhandled[];
}

/** `reports` are the messages the harness records; anything else sent to the parent is recorded as well. */
export function runChild<Logic extends AnyStateMachine>(logic: Logic, input: InputFrom<Logic>): ChildHarness<Logic> {
  const parent = setup({
    types: { context: {} as { reports: { type: string }[]; output: unknown }, events: {} as { type: string; output?: unknown } },
    actors: { child: logic },
  }).createMachine({
    context: { reports: [], output: undefined },
    entry: assign(({ spawn }) => {
      spawn('child', { id: 'child', input: input as never });
      return {};
    }),
    on: {
      'xstate.done.actor.child': { actions: assign({ output: ({ event }) => event.output }) },
      '*': { actions: assign({ reports: ({ context, event }) => [...context.reports, event] }) },
    },
  });
  const unhandled: Unhandled[] = [];
  const actor = createActor(parent, {
    inspect: (event) => {
      if (event.type === '@xstate.microstep' && event._transitions.length === 0) {
        unhandled.push({ actor: (event.actorRef as unknown as { id: string }).id, state: (event.snapshot as { value?: unknown }).value, type: event.event.type });
      }
    },
  });
  actor.start();
  let taken = 0;
  const child = (): AnyActorRef | undefined => actor.getSnapshot().children.child as AnyActorRef | undefined;
  return {
    send: (message) => child()!.send(message),
    take: () => {
      const reports = actor.getSnapshot().context.reports.slice(taken);
      taken += reports.length;
      return reports as { type: string }[] as never;
    },
    snapshot: () => child()?.getSnapshot() as SnapshotFrom<Logic> | undefined,
    output: () => actor.getSnapshot().context.output,
    unhandled,
  };
}
