/**
 * A window actor: one open event-time window `[start, end)` of one query on
 * one partition. It accumulates facet groups from the batches its query sends,
 * and on close computes its result records and asks to publish them.
 *
 * ```
 *   open ──window.close──▶ publishing ──(query stops it when published)
 *     ▲ window.add          │ window.resume (after a restore): ask again
 * ```
 */
import { assign, sendParent, setup } from 'xstate';
import type { MatchedEvent } from '../protocols/matched-events/index.ts';
import type { QueryDefinition } from '../protocols/nrql/index.ts';
import type { OutputRecord } from '../protocols/stage.ts';
import { encodeWindowResult, type WindowResult } from '../protocols/result/index.ts';
import { addToFacetGroups, emptyFacetGroups, finalize, type FacetGroups } from './aggregates/index.ts';

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
}

export type WindowMessage =
  | { readonly type: 'window.add'; readonly events: readonly MatchedEvent[] }
  | { readonly type: 'window.close'; readonly complete: boolean }
  | { readonly type: 'window.resume' };

/** What a window tells its query. */
export interface WindowPublishRequest {
  readonly type: 'window.publish';
  readonly key: string;
  readonly start: number;
  readonly records: readonly OutputRecord[];
}

/** The publication key of a window: unique per query and window start. */
export const windowKey = (queryId: string, start: number): string => `${queryId}/${start}`;

/** One result record per facet group, in a deterministic order. */
export function windowResults(context: WindowContext): WindowResult[] {
  const { definition, groups } = context;
  const results: WindowResult[] = Object.keys(groups.groups)
    .sort()
    .map((key) => {
      const group = groups.groups[key]!;
      return {
        v: 1,
        queryId: context.queryId,
        windowStart: context.start,
        windowEnd: context.end,
        facet: definition.facet.length === 0 ? null : group.values,
        other: false,
        values: finalize(definition.select, group.states),
        events: group.events,
        complete: context.complete,
      };
    });
  if (groups.other !== null) {
    results.push({
      v: 1,
      queryId: context.queryId,
      windowStart: context.start,
      windowEnd: context.end,
      facet: definition.facet.map(() => 'other'),
      other: true,
      values: finalize(definition.select, groups.other.states),
      events: groups.other.events,
      complete: context.complete,
    });
  }
  return results;
}

const publishRequest = (context: WindowContext): WindowPublishRequest => ({
  type: 'window.publish',
  key: windowKey(context.queryId, context.start),
  start: context.start,
  records: windowResults(context).map((result) => ({ topic: context.resultsTopic, key: context.queryId, value: encodeWindowResult(result) })),
});

export const windowMachine = setup({
  types: {
    input: {} as WindowInput,
    context: {} as WindowContext,
    events: {} as WindowMessage,
  },
}).createMachine({
  id: 'window',
  context: ({ input }) => ({
    ...input,
    end: input.start + input.definition.windowMs,
    groups: emptyFacetGroups(),
    events: 0,
    complete: true,
  }),
  initial: 'open',
  states: {
    open: {
      on: {
        'window.add': {
          actions: assign(({ context, event }) => ({
            groups: addToFacetGroups(context.definition, context.groups, event.events),
            events: context.events + event.events.length,
          })),
        },
        'window.close': {
          target: 'publishing',
          actions: [assign({ complete: ({ event }) => event.complete }), sendParent(({ context }) => publishRequest(context))],
        },
      },
    },
    publishing: {
      on: {
        'window.resume': { actions: sendParent(({ context }) => publishRequest(context)) },
      },
    },
  },
});
