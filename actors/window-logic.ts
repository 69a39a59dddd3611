/**
 * The window machine as its query spawns it: the same statechart, with a
 * compact persisted form and a way to wake a window from it.
 *
 * A query on a busy partition holds tens of thousands of open windows. As
 * xstate persists them, each repeats its query's id, results topic and
 * parsed definition (two thirds of its ~670 bytes), and restoring one costs
 * an actor (about 40 µs): 100,000 windows were 67 MB of snapshot and 5 s of
 * restore. Here a window persists only what is its own (state value, start
 * and aggregates); what it shares with its query comes back from the query's
 * input when the window wakes. The query restores its windows asleep, as
 * this data, and spawns each one from it when a message first reaches it
 * (see the query's `asleep` windows and ./query-logic.ts), so a restore costs the windows that work, not
 * the windows that exist.
 */
import type { AnyActorScope, MachineSnapshot } from 'xstate';
import { windowMachine, type WindowContext, type WindowInput } from './window.ts';

/** What a window persists: its state and the part of its context that is its own. */
export interface PersistedWindow {
  readonly value: string;
  /** Absent while `active` (every window alive in a query is, between messages). */
  readonly status?: 'done' | 'error' | 'stopped';
  /** Without what the query gives it (its id, results topic and definition) and without close fields at their initial values (`complete: true`, `closedAt` and `markerOffset` null). */
  readonly context: Omit<WindowContext, 'queryId' | 'resultsTopic' | 'definition' | 'end' | 'complete' | 'closedAt' | 'markerOffset'> & Partial<WindowContext>;
}

/** A window's input: a fresh window, or one woken from what it persisted. */
export interface WindowLogicInput extends WindowInput {
  readonly asleep?: PersistedWindow;
}

type WindowSnapshot = MachineSnapshot<WindowContext, never, never, never, never, never, never, never>;

/** The persisted form of a live window's snapshot. */
export function persistWindow(snapshot: { readonly value: unknown; readonly status: string; readonly context: WindowContext }): PersistedWindow {
  const { queryId: _query, resultsTopic: _topic, definition: _definition, end: _end, complete, closedAt, markerOffset, ...rest } = snapshot.context;
  // An open window's close fields are at their initial values: left out (a fifth of its bytes), read back as those.
  const own = { ...rest, ...(complete ? {} : { complete }), ...(closedAt === null ? {} : { closedAt }), ...(markerOffset === null ? {} : { markerOffset }) };
  return { value: snapshot.value as string, ...(snapshot.status === 'active' ? {} : { status: snapshot.status as PersistedWindow['status'] }), context: own };
}

/**
 * The full xstate persisted snapshot of a window, from its compact form and
 * its query's input. A window persisted by eventide 0.1.0 (the whole
 * context, as xstate writes it) reads as it was.
 */
export function expandWindow(asleep: PersistedWindow | Record<string, unknown>, input: WindowInput): Record<string, unknown> {
  const persisted = asleep as PersistedWindow & { historyValue?: unknown; children?: unknown };
  const context = {
    queryId: input.queryId, resultsTopic: input.resultsTopic, definition: input.definition, end: input.start + input.definition.windowMs,
    complete: true, closedAt: null, markerOffset: null, ...persisted.context,
  };
  return { status: persisted.status ?? 'active', value: persisted.value, historyValue: persisted.historyValue ?? {}, children: persisted.children ?? {}, context };
}

/**
 * The window machine with its compact persisted form; it is the logic
 * `setup({ actors: { window } })` names, so the statechart the inspector
 * draws is the window machine's own.
 */
export const windowLogic: typeof windowMachine = Object.create(windowMachine, {
  getInitialSnapshot: {
    value(this: typeof windowMachine, scope: AnyActorScope, input: WindowLogicInput) {
      if (input.asleep === undefined) return windowMachine.getInitialSnapshot.call(this, scope as never, input);
      return windowMachine.restoreSnapshot.call(this, expandWindow(input.asleep, input) as never, scope as never);
    },
  },
  getPersistedSnapshot: {
    value: (snapshot: WindowSnapshot) => persistWindow(snapshot as never),
  },
}) as typeof windowMachine;
