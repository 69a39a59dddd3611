/**
 * The live actors of a node, as the inspector lists and shows them: each
 * hosted partition's root actor and, below it, the children xstate keeps in
 * its snapshot, to any depth. Nothing here knows what a machine does; it
 * reads ids, machines, state values and contexts.
 *
 * Listing walks the actors on every call (a few microseconds each), so the
 * live hub calls it at most about once a second per watcher.
 */
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import type { HostedPartition } from '../hosted-partition.ts';
import type { ActorDetail, ActorList, ActorSummary, MachineDefinition, MessageSummary } from './api.ts';
import { childActorId, describeState, parentActorId, parseActorId, rootActorId } from './actor-paths.ts';
import { plainJson } from './plain-json.ts';

/** What the directory needs of a node. */
export interface ActorSource {
  hostedPartitions(): HostedPartition[];
}

/** A live actor found in the tree. */
export interface LiveActor {
  readonly summary: ActorSummary;
  /** The xstate session id that inspection events carry. */
  readonly sessionId: string | null;
  readonly snapshot: AnyMachineSnapshot;
}

/** The filters and paging of `GET /api/actors`. */
export interface ActorQuery {
  readonly stage?: string;
  readonly partition?: number;
  readonly parent?: string;
  readonly machine?: string;
  readonly state?: string;
  /** A substring of the id. */
  readonly q?: string;
  readonly offset?: number;
  readonly limit?: number;
}

export const MAX_PAGE = 1000;
/** Children listed in an actor's detail (the list pages the rest). */
const DETAIL_CHILDREN = 100;
const DEFAULT_PAGE = 100;

interface ChildRef {
  readonly sessionId?: string;
  getSnapshot(): unknown;
}

/** Parses the query string of `GET /api/actors` (and of a live `actors` watch). */
export function parseActorQuery(search: URLSearchParams): ActorQuery {
  const text = (name: string): string | undefined => {
    const value = search.get(name);
    return value === null || value === '' ? undefined : value;
  };
  const integer = (name: string): number | undefined => {
    const value = text(name);
    if (value === undefined) return undefined;
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed) || parsed < 0) throw new RangeError(`${name} must be a non-negative integer, not '${value}'`);
    return parsed;
  };
  const query: Record<string, string | number> = {};
  for (const name of ['stage', 'parent', 'machine', 'state', 'q'] as const) {
    const value = text(name);
    if (value !== undefined) query[name] = value;
  }
  for (const name of ['partition', 'offset', 'limit'] as const) {
    const value = integer(name);
    if (value !== undefined) query[name] = value;
  }
  return query as ActorQuery;
}

export class ActorDirectory {
  readonly #source: ActorSource;
  /** Every machine seen while walking, by id, for `GET /api/machines/:id`. */
  readonly #machines = new Map<string, AnyStateMachine>();

  constructor(source: ActorSource) {
    this.#source = source;
  }

  /** The root actors of the hosted partitions (those that run), in stage then partition order. */
  roots(filter: { stage?: string; partition?: number } = {}): LiveActor[] {
    const roots: LiveActor[] = [];
    const hosted = this.#source
      .hostedPartitions()
      .filter((h) => (filter.stage === undefined || h.stage === filter.stage) && (filter.partition === undefined || h.partition === filter.partition))
      .sort((a, b) => (a.stage === b.stage ? a.partition - b.partition : a.stage < b.stage ? -1 : 1));
    for (const partition of hosted) {
      const snapshot = partition.actorSnapshot();
      if (snapshot === null) continue;
      roots.push(this.#live(rootActorId(partition.stage, partition.partition), null, partition.stage, partition.partition, snapshot, partition.actorSessionId()));
    }
    return roots;
  }

  /** The live actor with this id, or null (its partition is not here, or the child is gone). */
  find(id: string): LiveActor | null {
    const path = parseActorId(id);
    if (path === null) return null;
    let actor: LiveActor | null = this.roots({ stage: path.stage, partition: path.partition })[0] ?? null;
    for (const childId of path.children) {
      if (actor === null) return null;
      const ref = childRef(actor.snapshot, childId);
      actor = ref === undefined ? null : this.#child(actor, childId, ref);
    }
    return actor;
  }

  /** The children of an actor, in the order xstate keeps them (spawn order). */
  children(actor: LiveActor, limit = Number.POSITIVE_INFINITY): LiveActor[] {
    const out: LiveActor[] = [];
    for (const childId of Object.keys(actor.snapshot.children ?? {})) {
      if (out.length >= limit) break;
      const ref = childRef(actor.snapshot, childId);
      const child = ref === undefined ? null : this.#child(actor, childId, ref);
      if (child !== null) out.push(child);
    }
    return out;
  }

  /** `GET /api/actors`: see api.ts. Throws `RangeError` for an unknown parent or a bad page. */
  list(query: ActorQuery): ActorList {
    const limit = Math.min(query.limit ?? DEFAULT_PAGE, MAX_PAGE);
    const offset = query.offset ?? 0;
    if (limit <= 0) throw new RangeError('limit must be at least 1');
    const filtered = query.machine !== undefined || query.state !== undefined || query.q !== undefined;
    const counts: Record<string, Record<string, number>> = {};
    const page: ActorSummary[] = [];
    let total = 0;
    const q = query.q?.toLowerCase();
    // Counts cover the whole subtree (filters aside), so a filter chip keeps showing its siblings.
    // Only machine and state are read of each actor, and an id is built only when it is needed:
    // a walk of 100,000 windows stays a few tens of milliseconds.
    const visitChildren = (snapshot: AnyMachineSnapshot, id: string, stage: string, partition: number, listed: boolean): void => {
      const children = snapshot.children as Record<string, unknown> | undefined;
      if (children === undefined) return;
      const ids = Object.keys(children);
      for (let i = 0; i < ids.length; i++) {
        const childId = ids[i]!;
        const child = childRef(snapshot, childId)?.getSnapshot() as AnyMachineSnapshot | undefined;
        if (child === undefined || child === null) continue;
        const machine = (child as { machine?: AnyStateMachine }).machine?.id ?? 'unknown';
        const state = typeof child.value === 'string' ? child.value : describeState(child.value);
        const byState = (counts[machine] ??= {});
        byState[state] = (byState[state] ?? 0) + 1;
        const grandchildren = child.children === undefined ? 0 : Object.keys(child.children).length;
        let path: string | null = null;
        // The listed level (the parent's children) is taken whole without filters; below it, only what matches.
        if ((listed && !filtered) || (filtered && (query.machine === undefined || query.machine === machine) && (query.state === undefined || query.state === state))) {
          path = childActorId(id, childId);
          if (!filtered || q === undefined || path.toLowerCase().includes(q)) {
            if (total >= offset && page.length < limit) page.push({ id: path, parent: id, stage, partition, machine, state, status: child.status, children: grandchildren });
            total++;
          }
        }
        if (grandchildren > 0) visitChildren(child, path ?? childActorId(id, childId), stage, partition, false);
      }
    };
    if (query.parent !== undefined) {
      const parent = this.find(query.parent);
      if (parent === null) throw new RangeError(`no actor '${query.parent}' on this node`);
      visitChildren(parent.snapshot, parent.summary.id, parent.summary.stage, parent.summary.partition, true);
    } else {
      for (const root of this.roots({ ...(query.stage === undefined ? {} : { stage: query.stage }), ...(query.partition === undefined ? {} : { partition: query.partition }) })) {
        const { summary } = root;
        const byState = (counts[summary.machine] ??= {});
        byState[summary.state] = (byState[summary.state] ?? 0) + 1;
        if (!filtered || matches(summary, query)) {
          if (total >= offset && page.length < limit) page.push(summary);
          total++;
        }
        visitChildren(root.snapshot, summary.id, summary.stage, summary.partition, false);
      }
    }
    return { total, offset, limit, actors: page, counts };
  }

  /** `GET /api/actors/:id`, or null when there is no such actor. */
  detail(id: string, messages: readonly MessageSummary[], recording: boolean): ActorDetail | null {
    const actor = this.find(id);
    if (actor === null) return null;
    // Only the children shown are read: a query actor with 20,000 windows is pushed four times a second while watched.
    return {
      ...actor.summary,
      value: actor.snapshot.value,
      context: plainJson(actor.snapshot.context),
      messages,
      childList: this.children(actor, DETAIL_CHILDREN).map((child) => child.summary),
      recording,
    };
  }

  /**
   * The detail of an actor that is gone (a window that reached its final
   * state is removed at once), from the last snapshot seen of it.
   */
  departed(id: string, snapshot: AnyMachineSnapshot, messages: readonly MessageSummary[]): ActorDetail | null {
    const path = parseActorId(id);
    if (path === null) return null;
    const actor = this.#live(id, parentActorId(id), path.stage, path.partition, snapshot, null);
    return { ...actor.summary, children: 0, value: snapshot.value, context: plainJson(snapshot.context), messages, childList: [], recording: false };
  }

  /** `GET /api/machines/:id` for a machine of an actor seen here; null otherwise. */
  machine(machineId: string): MachineDefinition | null {
    if (!this.#machines.has(machineId)) {
      // Not met yet: look through the roots and their children once.
      for (const root of this.roots()) for (const child of this.children(root)) this.children(child);
    }
    const machine = this.#machines.get(machineId);
    if (machine === undefined) return null;
    // toJSON() holds functions and class instances; a JSON round trip keeps what can be drawn.
    const root = JSON.parse(JSON.stringify(machine.toJSON())) as MachineDefinition['root'];
    addEventlessTransitions(machine.root as unknown as StateNodeLike, root);
    return { id: machine.id, root };
  }

  #child(parent: LiveActor, childId: string, ref: ChildRef): LiveActor | null {
    const snapshot = ref.getSnapshot() as AnyMachineSnapshot | undefined;
    if (snapshot === undefined || snapshot === null) return null;
    return this.#live(childActorId(parent.summary.id, childId), parent.summary.id, parent.summary.stage, parent.summary.partition, snapshot, ref.sessionId ?? null);
  }

  #live(id: string, parent: string | null, stage: string, partition: number, snapshot: AnyMachineSnapshot, sessionId: string | null): LiveActor {
    const machine = (snapshot as { machine?: AnyStateMachine }).machine;
    if (machine !== undefined && !this.#machines.has(machine.id)) this.#machines.set(machine.id, machine);
    const children = snapshot.children === undefined ? 0 : Object.keys(snapshot.children).length;
    return {
      summary: { id, parent, stage, partition, machine: machine?.id ?? 'unknown', state: describeState(snapshot.value), status: snapshot.status, children },
      sessionId,
      snapshot,
    };
  }
}

interface StateNodeLike {
  readonly states?: Readonly<Record<string, StateNodeLike>>;
  readonly always?: readonly { readonly target?: readonly { readonly id: string }[]; readonly guard?: unknown }[];
}

/**
 * xstate's `toJSON()` leaves out eventless (`always`) transitions; they are
 * added to each state's `transitions` with an empty event type, as xstate
 * itself names them.
 */
function addEventlessTransitions(node: StateNodeLike, json: MachineDefinition['root']): void {
  const transitions = json.transitions as unknown as Record<string, unknown>[];
  for (const always of node.always ?? []) {
    const guard = typeof always.guard === 'string' ? always.guard : (always.guard as { type?: string } | undefined)?.type;
    transitions.push({
      eventType: '',
      source: `#${json.id}`,
      ...(always.target === undefined ? {} : { target: always.target.map((target) => `#${target.id}`) }),
      ...(guard === undefined ? {} : { guard }),
    });
  }
  for (const [key, child] of Object.entries(node.states ?? {})) {
    const childJson = json.states[key];
    if (childJson !== undefined) addEventlessTransitions(child, childJson);
  }
}

/**
 * A child's reference by its id, only if the snapshot has it as its own:
 * ids come from URLs and sockets, and `__proto__` or `constructor` must not
 * reach a prototype.
 */
function childRef(snapshot: AnyMachineSnapshot, childId: string): ChildRef | undefined {
  const children = snapshot.children as Record<string, unknown> | undefined;
  if (children === undefined || !Object.hasOwn(children, childId)) return undefined;
  const ref = children[childId] as ChildRef | undefined;
  return typeof ref?.getSnapshot === 'function' ? ref : undefined;
}

function matches(summary: ActorSummary, query: ActorQuery): boolean {
  if (query.machine !== undefined && summary.machine !== query.machine) return false;
  if (query.state !== undefined && summary.state !== query.state) return false;
  if (query.q !== undefined && !summary.id.toLowerCase().includes(query.q.toLowerCase())) return false;
  return true;
}
