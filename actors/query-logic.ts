/**
 * The query machine as its supervisor spawns it: the same statechart, whose
 * windows restore asleep.
 *
 * Restoring a query restores its window children as data (`asleep` in its
 * context) rather than as actors; each is spawned from its persisted form
 * when a message first reaches it (./window-logic.ts). Its persisted
 * snapshot lists every window as a child, actor or asleep alike, in the same
 * form (`{ src: 'window', snapshot }`), so the same state gives the same
 * snapshot bytes whether or not its windows woke since the restore.
 *
 * Its persisted snapshot is built when it is serialised (`toJSON`), not when
 * it is asked for: a partition of 5,000 queries persisted them in 95 ms in
 * one step, and the runtime serialises a large snapshot in slices (see
 * ../runtime/partition/partition-processor.ts), so each query's share falls
 * into a slice of its own. Serialise it before the actor handles another
 * message, as the runtime does.
 */
import type { AnyActorScope } from 'xstate';
import { queryMachine, windowId, type QueryContext } from './query.ts';
import type { PersistedWindow } from './window-logic.ts';

interface PersistedChild {
  readonly src?: unknown;
  readonly snapshot: unknown;
  readonly systemId?: unknown;
  readonly syncSnapshot?: unknown;
}

interface PersistedQuery {
  readonly context: QueryContext;
  readonly children?: Readonly<Record<string, PersistedChild>>;
  readonly [field: string]: unknown;
}

const WINDOW_PREFIX = windowId('');

/** The persisted snapshot of a query: its windows, actors and asleep alike, as children. */
export function persistQuery(persisted: PersistedQuery): PersistedQuery {
  const { asleep, ...context } = persisted.context;
  const children: Record<string, PersistedChild> = {};
  for (const [id, child] of Object.entries(persisted.children ?? {})) children[id] = child.src === 'window' ? { src: 'window', snapshot: child.snapshot } : child;
  for (const [start, window] of Object.entries(asleep ?? {})) children[windowId(start)] = { src: 'window', snapshot: window };
  return { ...persisted, context: context as QueryContext, children };
}

/** A persisted query without its window children, and those windows (by start), to hold asleep. */
export function splitWindows(persisted: PersistedQuery): { readonly query: PersistedQuery; readonly asleep: Record<string, PersistedWindow> } {
  const children: Record<string, PersistedChild> = {};
  const { asleep: before, ...context } = persisted.context;
  const asleep: Record<string, PersistedWindow> = { ...before };
  for (const [id, child] of Object.entries(persisted.children ?? {})) {
    if (child.src === 'window' && id.startsWith(WINDOW_PREFIX)) asleep[id.slice(WINDOW_PREFIX.length)] = child.snapshot as PersistedWindow;
    else children[id] = child;
  }
  return { query: { ...persisted, context: context as QueryContext, children }, asleep };
}

/** A persisted snapshot that is built when JSON serialises it. */
class PersistedWhenSerialised {
  readonly #build: () => PersistedQuery;

  constructor(build: () => PersistedQuery) {
    this.#build = build;
  }

  toJSON(): PersistedQuery {
    return this.#build();
  }
}

/** The query machine with windows that restore asleep; the logic `setup({ actors: { query } })` names. */
export const queryLogic: typeof queryMachine = Object.create(queryMachine, {
  restoreSnapshot: {
    value(this: typeof queryMachine, persisted: PersistedQuery, scope: AnyActorScope) {
      // The sleeping windows join the context after xstate restored it: it walks a restored context whole, looking
      // for actor references (a third of a restore of 100,000 windows), and plain window data holds none.
      const { query, asleep } = splitWindows(persisted);
      const restored = queryMachine.restoreSnapshot.call(this, query as never, scope as never);
      return { ...restored, context: { ...restored.context, asleep } };
    },
  },
  getPersistedSnapshot: {
    value(snapshot: { readonly context: QueryContext }, options?: unknown) {
      return new PersistedWhenSerialised(() => {
        // Likewise, xstate walks the context it persists for actor references: the sleeping windows are added after.
        const { asleep, ...context } = snapshot.context;
        const persisted = queryMachine.getPersistedSnapshot({ ...snapshot, context } as never, options as never) as unknown as PersistedQuery;
        return persistQuery({ ...persisted, context: { ...persisted.context, asleep } as QueryContext });
      });
    },
  },
}) as typeof queryMachine;
