/**
 * A window actor: one event-time window `[start, end)` of one query on one
 * aggregate partition, and the one owner of whether that window is published.
 *
 * ```
 *           window.add ┐
 *                      ▼
 *   ┌──────────────▶ open ──window.watermark / window.tick (end + lateness passed, or idle)──▶ closing ──▶ publishing ──window.published──▶ published
 *   │                  │                       window.end (the query ended: complete = false) ──▶ ┘          │ window.resume: ask again         (final)
 *   │                  └──window.published (the previous owner published it before a restore) ─────────────────────────────────────────────▶ ┘
 * ```
 *
 * It accumulates the facet groups of the events its query routes to it and
 * closes itself when time passes its end: the watermark (carried by every
 * batch and tick) passes `end + lateness`, or, on a quiet partition, the
 * wall clock passes `end + lateness + idle timeout`. Closing tells the query
 * (so it routes no more events here and calls later ones late), publishing
 * asks the runtime to write the result records with a publish marker in one
 * transaction, and the marker's acknowledgement makes it `published`, a
 * final state whose output the query reads. After a restore the runtime says
 * which windows the previous owner published (`window.published` while open)
 * and a window still `publishing` asks again (`window.resume`); the runtime
 * answers a request whose marker exists without writing twice.
 */
import { assign, sendParent, setup } from 'xstate';
import type { MatchedEvent } from '../protocols/matched-events/index.ts';
import type { QueryDefinition } from '../protocols/nrql/index.ts';
import type { OutputRecord } from '../protocols/stage.ts';
import { encodePublicationKey } from '../protocols/publication-key.ts';
import { encodeWindowResult, type WindowResult } from '../protocols/result/index.ts';
import { addToFacetGroups, emptyFacetGroups, finalize, type FacetGroup, type FacetGroups } from './aggregates/index.ts';

export interface WindowInput {
  readonly queryId: string;
  /** Where the window's result records go. */
  readonly resultsTopic: string;
  readonly start: number;
  readonly definition: QueryDefinition;
}

export interface WindowContext extends WindowInput {
  readonly end: number;
  readonly groups: FacetGroups;
  readonly events: number;
  /** Set on close: false when the query ended before the window did. */
  readonly complete: boolean;
  /** The input offset the partition had reached when the window closed (null: closed because its query ended). */
  readonly closedAt: number | null;
  /** The input offset its publish marker recorded, once published. */
  readonly markerOffset: number | null;
}

/** Time as the query passes it on: the partition's watermark for this query (no lateness applied) and the input offset reached. */
export interface Progress {
  readonly watermark: number;
  readonly nextOffset: number;
}

export type WindowMessage =
  /** Events of this window from one batch; the watermark is the query's after the whole batch. */
  | ({ readonly type: 'window.add'; readonly events: readonly MatchedEvent[] } & Progress)
  /** A batch moved the watermark without events for this window. */
  | ({ readonly type: 'window.watermark' } & Progress)
  /** Wall-clock time advanced; `quiet` when the partition had no events for the idle timeout. */
  | ({ readonly type: 'window.tick'; readonly now: number; readonly quiet: boolean; readonly idleTimeoutMs: number } & Progress)
  /** The query was cancelled or expired: close now, incomplete. */
  | { readonly type: 'window.end' }
  /** The result and its publish marker are durable (or were, before a restore). */
  | { readonly type: 'window.published'; readonly nextOffset: number }
  /** Restored while publishing: ask for the publication again. */
  | { readonly type: 'window.resume' };

/** What a window tells its query. */
export type WindowReport =
  | { readonly type: 'window.closing'; readonly start: number; readonly closedAt: number | null }
  | { readonly type: 'window.publish'; readonly key: string; readonly records: readonly OutputRecord[] };

/** A published window's output, read by its query from the done event. */
export interface WindowOutput {
  readonly start: number;
  /** The input offset recorded with the publish marker. */
  readonly nextOffset: number;
}

/** One result record per facet group, in a deterministic order, then the `other` group. */
export function windowResults(context: WindowContext): WindowResult[] {
  const { definition, groups } = context;
  const result = (facet: WindowResult['facet'], other: boolean, group: Pick<FacetGroup, 'states' | 'events'>): WindowResult => ({
    v: 1,
    queryId: context.queryId,
    windowStart: context.start,
    windowEnd: context.end,
    facet,
    other,
    values: finalize(definition.select, group.states),
    events: group.events,
    complete: context.complete,
  });
  const results = Object.keys(groups.groups)
    .sort()
    .map((key) => {
      const group = groups.groups[key]!;
      return result(definition.facet.length === 0 ? null : group.values, false, group);
    });
  if (groups.other !== null) results.push(result(definition.facet.map(() => 'other'), true, groups.other));
  return results;
}

const publishRequest = (context: WindowContext): WindowReport => ({
  type: 'window.publish',
  key: encodePublicationKey({ queryId: context.queryId, windowStart: context.start }),
  records: windowResults(context).map((result) => ({ topic: context.resultsTopic, key: context.queryId, value: encodeWindowResult(result) })),
});

/** The event time at which the watermark closes the window. */
const closesAt = (context: WindowContext): number => context.end + context.definition.latenessMs;

export const windowMachine = setup({
  types: {
    input: {} as WindowInput,
    context: {} as WindowContext,
    events: {} as WindowMessage,
    output: {} as WindowOutput,
  },
  actions: {
    accumulate: assign(({ context, event }) => {
      if (event.type !== 'window.add') return {};
      return { groups: addToFacetGroups(context.definition, context.groups, event.events), events: context.events + event.events.length };
    }),
    recordClose: assign(({ event }) => ('nextOffset' in event ? { closedAt: event.nextOffset, complete: true } : { closedAt: null, complete: false })),
    reportClosing: sendParent(({ context }): WindowReport => ({ type: 'window.closing', start: context.start, closedAt: context.closedAt })),
    requestPublication: sendParent(({ context }) => publishRequest(context)),
    recordPublished: assign(({ event }) => (event.type === 'window.published' ? { markerOffset: event.nextOffset } : {})),
  },
  guards: {
    watermarkPassed: ({ context, event }) => 'watermark' in event && closesAt(context) <= event.watermark,
    /** The watermark passed the end, or the partition is quiet and the wall clock passed the end by the idle timeout. */
    watermarkPassedOrIdle: ({ context, event }) =>
      event.type === 'window.tick' && (closesAt(context) <= event.watermark || (event.quiet && closesAt(context) + event.idleTimeoutMs <= event.now)),
  },
}).createMachine({
  id: 'window',
  context: ({ input }) => ({
    ...input,
    end: input.start + input.definition.windowMs,
    groups: emptyFacetGroups(),
    events: 0,
    complete: true,
    closedAt: null,
    markerOffset: null,
  }),
  initial: 'open',
  states: {
    open: {
      on: {
        'window.add': [
          { guard: 'watermarkPassed', target: 'closing', actions: ['accumulate', 'recordClose'] },
          { actions: 'accumulate' },
        ],
        'window.watermark': [{ guard: 'watermarkPassed', target: 'closing', actions: 'recordClose' }, { description: 'not due yet' }],
        'window.tick': [{ guard: 'watermarkPassedOrIdle', target: 'closing', actions: 'recordClose' }, { description: 'not due yet' }],
        'window.end': { target: 'closing', actions: 'recordClose' },
        'window.published': { target: 'published', actions: 'recordPublished' },
      },
    },
    closing: {
      entry: 'reportClosing',
      always: 'publishing',
    },
    publishing: {
      entry: 'requestPublication',
      on: {
        'window.published': { target: 'published', actions: 'recordPublished' },
        'window.resume': { actions: 'requestPublication' },
      },
    },
    published: {
      type: 'final',
    },
  },
  output: ({ context }) => ({ start: context.start, nextOffset: context.markerOffset ?? context.closedAt ?? 0 }),
});
