/**
 * The inspector's JSON API and live messages: what a node's inspector server
 * answers and what the page reads. Shared by the server (runtime/inspector/)
 * and the page (runtime/inspector/ui/), and documented in the README.
 *
 * Every route is read-only (GET). Times are milliseconds since the epoch.
 *
 * Actor ids are paths from a partition's root actor: the root of partition 3
 * of stage `aggregate` is `aggregate/3`, its child `q:abc` is
 * `aggregate/3/q:abc`, that child's child `w:1700000000000` is
 * `aggregate/3/q:abc/w:1700000000000`. Each segment is encoded with
 * `encodeURIComponent` (a `/` in a child id becomes `%2F`), so splitting on
 * `/` and decoding gives the segments back. In a URL the whole id is encoded
 * once more: `GET /api/actors/aggregate%2F3%2Fq%3Aabc`.
 *
 * Routes:
 * - `GET /api/node`: {@link NodeView}, this node alone (its peers read it
 *   for the cluster view).
 * - `GET /api/cluster`: {@link ClusterView}, every node of every stage
 *   group, read from the groups' member data and each member's own
 *   `/api/node` (fetched by this server; the page talks to this node only).
 * - `GET /api/actors?stage=&partition=&parent=&machine=&state=&q=&offset=&limit=`:
 *   {@link ActorList}. `parent` lists the children of one actor (absent: the
 *   roots); `machine`, `state` (the state value as `describeState` writes it)
 *   and `q` (a substring of the id) filter over the whole subtree under
 *   `parent` when any of them is given; `limit` at most 1000, default 100.
 * - `GET /api/actors/:id`: {@link ActorDetail}.
 * - `GET /api/machines/:machineId`: {@link MachineDefinition}.
 * - `GET /api/partitions/:stage/:partition/history`: {@link PartitionHistory}.
 * - `GET /api/partitions/:stage/:partition/history/:seq`: {@link HistoricSnapshot}.
 * - `GET /api/views`: {@link ViewList}; `GET /api/views/:name`:
 *   {@link ViewContent} (the pipeline adds `queries`).
 * - WebSocket at `/api/live`: {@link LiveRequest} from the page,
 *   {@link LiveUpdate} from the server.
 * - `/metrics` (Prometheus) and `/status` (the node's partitions) as before.
 *
 * Errors answer `{ "error": "..." }` with 400, 401, 404 or 500.
 *
 * When the server binds to an address other than loopback it requires a
 * token on every request and on the WebSocket: `Authorization: Bearer
 * <token>`, or the `eventide_token` cookie the server sets when the page is
 * first opened with `?token=<token>`.
 */

/** A stage as one node runs it. */
export interface StageSummary {
  /** The stage's name. */
  readonly name: string;
  /** Its input topic. */
  readonly topic: string;
  /** Its consumer group. */
  readonly group: string;
  /** Where its partitions' snapshots go, or null when it keeps none. */
  readonly snapshotsTopic: string | null;
  /** The id of its partition machine. */
  readonly machine: string;
}

/**
 * How a partition was last restored: the runtime's `RestoreReport`, restated
 * here because the page imports this module and nothing of the runtime.
 */
export interface RestoreSummary {
  /** `snapshot`, `committed-offset` or another source the runtime names. */
  readonly from: string;
  readonly seq: number | null;
  /** The input offset it resumed at. */
  readonly offset: number;
  /** Age of the snapshot it restored from when it did, or null. */
  readonly ageMs: number | null;
  readonly bytes: number;
  readonly durationMs: number;
  /** Publish markers applied on top of the snapshot. */
  readonly markers: number;
  /** Snapshots it could not use: never completed, or failing their checksum. */
  readonly ignored: { readonly incomplete: number; readonly corrupt: number };
}

/** A partition hosted by a node. */
export interface PartitionView {
  readonly stage: string;
  readonly topic: string;
  readonly partition: number;
  /** Lifecycle: `restoring`, `running`, `revoking`, `stopped`, `failed`... */
  readonly state: string;
  readonly nextOffset: number;
  readonly recordsIn: number;
  /** Committed records after `nextOffset`, or null when unknown. */
  readonly lag: number | null;
  readonly snapshots: number;
  readonly lastSnapshotAt: number | null;
  readonly restore: RestoreSummary | null;
  /** The root actor, or null before restore. */
  readonly actor: ActorSummary | null;
}

/** Something that happened to a node's partitions. */
export interface NodeEvent {
  readonly at: number;
  readonly nodeId: string;
  readonly kind: 'rebalance' | 'restored' | 'failed' | 'revoked' | 'lost';
  readonly stage?: string;
  readonly partition?: number;
  /** One line a person reads: "restored aggregate[2] from snapshot 14 in 120 ms". */
  readonly text: string;
}

/** `GET /api/node`. */
export interface NodeView {
  readonly nodeId: string;
  /** `created`, `starting`, `running`, `stopping`, `stopped`. */
  readonly state: string;
  /** The cluster's name (each stage's group is `<group>.<stage>`). */
  readonly group: string;
  /** `kafka` or `memory`. */
  readonly transport: string;
  /** Where this node's inspector is reachable, as it was published to the group. */
  readonly inspect: string | null;
  readonly startedAt: number;
  readonly now: number;
  readonly stages: readonly StageSummary[];
  readonly partitions: readonly PartitionView[];
  /** The newest first, at most 100. */
  readonly events: readonly NodeEvent[];
}

/** A member of the cluster as the cluster view shows it. */
export interface ClusterMember {
  readonly nodeId: string;
  /** The inspector address it published, or null. */
  readonly inspect: string | null;
  /** The stages whose groups it is a member of. */
  readonly stages: readonly string[];
  /** Its assignment per stage, from the group. */
  readonly assigned: Readonly<Record<string, readonly number[]>>;
  /** Its own view, or null when it could not be read (`error` says why). */
  readonly node: NodeView | null;
  readonly error: string | null;
  /** Whether this member is the node serving the page. */
  readonly self: boolean;
}

/** A partition of a stage across the cluster. */
export interface ClusterPartition {
  readonly stage: string;
  readonly partition: number;
  /** The node the group assigned it to, or null. */
  readonly owner: string | null;
  /** The owner's lifecycle state for it, when known. */
  readonly state: string | null;
  readonly committed: number | null;
  readonly end: number;
  readonly lag: number | null;
  readonly lastSnapshotAt: number | null;
}

/** `GET /api/cluster`. */
export interface ClusterView {
  readonly group: string;
  readonly now: number;
  /** This node's id. */
  readonly self: string;
  readonly stages: readonly StageSummary[];
  readonly members: readonly ClusterMember[];
  readonly partitions: readonly ClusterPartition[];
  /** Every member's events merged, the newest first, at most 200. */
  readonly events: readonly NodeEvent[];
}

/** One actor in a list or tree. */
export interface ActorSummary {
  /** Its path id (see the module's doc). */
  readonly id: string;
  /** Its parent's path id, or null for a partition's root. */
  readonly parent: string | null;
  readonly stage: string;
  readonly partition: number;
  /** Its machine's id (`partition-supervisor`, `query`, `window`, or a user's). */
  readonly machine: string;
  /** Its state value as `describeState` writes it: `running`, `active.collecting`. */
  readonly state: string;
  /** `active`, `done`, `error` or `stopped`. */
  readonly status: string;
  /** How many children it has. */
  readonly children: number;
}

/** `GET /api/actors`. */
export interface ActorList {
  /** Actors that matched, before paging. */
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
  readonly actors: readonly ActorSummary[];
  /**
   * Actors per machine and state in the whole subtree listed (under `parent`,
   * or every actor of the node within `stage`/`partition`), whatever the
   * `machine`, `state` and `q` filters: `{ window: { open: 1200, published: 3 } }`.
   */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** A message an actor handled, as the timeline shows it. */
export interface MessageSummary {
  readonly at: number;
  readonly type: string;
  /** Its fields in short: arrays as their length, long strings cut, nested objects as their keys. */
  readonly summary: Readonly<Record<string, string | number | boolean | null>>;
  /** The state value after it. */
  readonly state: string;
  /** Whether the actor had a transition for it. */
  readonly handled: boolean;
}

/** `GET /api/actors/:id`. */
export interface ActorDetail extends ActorSummary {
  /** The state value as xstate has it (a string or a nested object), for highlighting. */
  readonly value: unknown;
  /** Its context as JSON (functions and actor references left out). */
  readonly context: unknown;
  /** Messages it handled since someone started watching it, the newest last, at most 50. */
  readonly messages: readonly MessageSummary[];
  /** Its children (the first 100; `GET /api/actors?parent=` pages them). */
  readonly childList: readonly ActorSummary[];
  /** Whether messages are being recorded for it now (someone watches it). */
  readonly recording: boolean;
}

/** `GET /api/machines/:machineId`: `machine.toJSON()` as JSON. */
export interface MachineDefinition {
  readonly id: string;
  /** The root state node of xstate's `toJSON()`: `key`, `type`, `initial`, `states`, `on`, `transitions`... */
  readonly root: StateNodeDefinition;
}

/** A state node of xstate's machine JSON (the fields the page draws). */
export interface StateNodeDefinition {
  readonly id: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly initial?: { readonly target: readonly string[] } | undefined;
  readonly states: Readonly<Record<string, StateNodeDefinition>>;
  /**
   * Its transitions; targets are state node ids prefixed with `#`. Eventless
   * (`always`) transitions, which xstate's `toJSON()` leaves out, are added
   * with `eventType: ''`. `guard` is the guard's name when it has one.
   */
  readonly transitions: readonly { readonly eventType: string; readonly target?: readonly string[]; readonly guard?: unknown }[];
  readonly [field: string]: unknown;
}

/** A snapshot of a partition as its snapshots topic holds it. */
export interface SnapshotEntry {
  readonly seq: number;
  /** Offset of its commit record in the snapshots partition. */
  readonly offset: number;
  /** The input offset a restore from it resumes at. */
  readonly nextOffset: number;
  readonly takenAt: number;
  readonly bytes: number;
  readonly chunks: number;
  readonly nodeId: string;
  readonly generation: number;
  /** Markers written after it and before the next snapshot: what a restore from it applies. */
  readonly markersAfter: number;
}

/** A publish marker on the snapshots topic. */
export interface MarkerEntry {
  readonly offset: number;
  readonly key: string;
  /** The input offset the partition had reached when it asked to publish. */
  readonly inputOffset: number;
  readonly publishedAt: number;
  /** The newest snapshot before it, or null. */
  readonly afterSeq: number | null;
}

/** `GET /api/partitions/:stage/:partition/history`. */
export interface PartitionHistory {
  readonly stage: string;
  readonly partition: number;
  readonly topic: string;
  /** The partition's start and end offsets when read. */
  readonly startOffset: number;
  readonly endOffset: number;
  /** The newest last; at most the last 200. */
  readonly snapshots: readonly SnapshotEntry[];
  /** The newest last; at most the last 500. */
  readonly markers: readonly MarkerEntry[];
  /** Snapshots that were never completed (no commit, chunks missing) or failed their checksum. */
  readonly ignored: { readonly incomplete: number; readonly corrupt: number };
  /** Records that could not be read (e.g. a marker that does not decode), with why. */
  readonly problems: readonly { readonly offset: number; readonly error: string }[];
  readonly now: number;
}

/** An actor as a snapshot holds it. */
export interface HistoricActor {
  /** Its path id as it would be when restored. */
  readonly id: string;
  readonly parent: string | null;
  readonly machine: string;
  readonly state: string;
  readonly status: string;
  readonly context: unknown;
  /** Its first 200 children; `childCount` says how many it had. */
  readonly children: readonly HistoricActor[];
  readonly childCount: number;
}

/** `GET /api/partitions/:stage/:partition/history/:seq`. */
export interface HistoricSnapshot {
  readonly snapshot: SnapshotEntry;
  /** The partition's root actor and its children, as the snapshot holds them. */
  readonly root: HistoricActor;
  /** The markers a restore from this snapshot applies (written after it, before the next one). */
  readonly markers: readonly MarkerEntry[];
}

/** A view a node adds to its inspector (the pipeline adds `queries`). */
export interface ViewInfo {
  readonly name: string;
  readonly title: string;
}

/** `GET /api/views`. */
export interface ViewList {
  readonly views: readonly ViewInfo[];
}

/** How the page shows a cell of a view. */
export type ViewCellFormat =
  /** Plain text (the default). */
  | 'text'
  /** Monospace: ids, query text, keys. */
  | 'code'
  /** A number, grouped by thousands. */
  | 'number'
  /** Milliseconds since the epoch, as a time of day (the full time on hover). */
  | 'time'
  /** Milliseconds since the epoch, relative to now ("in 52 min", "3 s ago"); null shows "never". */
  | 'relative'
  /** A state or status, as a coloured pill. */
  | 'state'
  /** An object of named values (`{ "count(*)": 12 }`), as name–value pairs. */
  | 'values'
  /** An array, joined with commas; null shows a dash. */
  | 'list';

/** A column of a view's table. */
export interface ViewColumn {
  /** The cell's key in each row. */
  readonly key: string;
  readonly title: string;
  /** @default 'text' */
  readonly format?: ViewCellFormat;
  /** The key of another cell shown under this one when it is not null (an error). */
  readonly note?: string;
  /** Right-aligned (numbers). */
  readonly numeric?: boolean;
}

/** A table: columns, and rows keyed by id. */
export interface ViewTable {
  readonly columns: readonly ViewColumn[];
  readonly rows: readonly ViewRow[];
  /** Shown when there is no row. */
  readonly empty?: string;
}

/** A row of a view's table. */
export interface ViewRow {
  /** Unique in its table (the page marks the row with it). */
  readonly id: string;
  readonly cells: Readonly<Record<string, unknown>>;
  /** A table shown under the row (a query's newest results). */
  readonly detail?: ViewTable;
}

/**
 * `GET /api/views/:name`: what a view a node adds shows, as a table the page
 * draws without knowing what it is about. The pipeline's `queries` view is
 * one: a row per registered query, its newest results under it.
 */
export interface ViewContent extends ViewTable {
  readonly title: string;
  /** One line above the table ("3 registered"). */
  readonly summary?: string;
  readonly now: number;
}

/** From the page on `/api/live`: what it watches now (each message replaces the previous). */
export interface LiveRequest {
  readonly type: 'watch';
  /** Pushes `cluster` updates. */
  readonly cluster?: boolean;
  /** Pushes `actors` updates for this list query (the query string of `GET /api/actors`). */
  readonly actors?: string;
  /** Pushes `actor` updates for this actor id (and records its messages). */
  readonly actor?: string;
}

/** From the server on `/api/live`, at most about four a second of each kind. */
export type LiveUpdate =
  | { readonly type: 'cluster'; readonly cluster: ClusterView }
  | { readonly type: 'actors'; readonly query: string; readonly list: ActorList }
  | { readonly type: 'actor'; readonly actor: ActorDetail }
  | { readonly type: 'actor.gone'; readonly id: string }
  | { readonly type: 'error'; readonly error: string };
