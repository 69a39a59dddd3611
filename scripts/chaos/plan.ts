/**
 * Everything a chaos run will do, drawn from its seed before it starts: the
 * queries, the main load in chunks, the trailing events, the schedule of
 * faults, each probe query's events and each poison step's partitions. The
 * run carries the plan out; the oracle reads it to say what must come out.
 */
import { mainLoad, probeLoad, trailingLoad, type RawRecord } from './load.ts';
import { POISON_KINDS, type PoisonKind } from './poison.ts';
import type { ChaosProfile } from './profile.ts';
import { mainQueries, probeQuery, type ChaosQuery } from './queries.ts';
import { faultSchedule, type PlannedFault } from './schedule.ts';
import { SeededRandom } from './seeded-random.ts';

/** A query added and cancelled during the run, with its events. */
export interface PlannedProbe {
  readonly query: ChaosQuery;
  /** Its first window's start. */
  readonly base: number;
  readonly records: readonly RawRecord[];
}

/** A chaos run, drawn from its seed. */
export interface ChaosPlan {
  readonly seed: number;
  readonly profile: ChaosProfile;
  /** The main load's first event time (a whole hour, three hours before the run started). */
  readonly base: number;
  readonly queries: readonly ChaosQuery[];
  readonly chunks: readonly (readonly RawRecord[])[];
  readonly trailing: readonly RawRecord[];
  readonly faults: readonly PlannedFault[];
  /** By the probe fault's ordinal. */
  readonly probes: ReadonlyMap<number, PlannedProbe>;
  /** By the poison fault's ordinal: the raw partition of each kind. */
  readonly poisonPartitions: ReadonlyMap<number, Readonly<Record<PoisonKind, number>>>;
}

/**
 * Draws a run. `startedAt` only places the load in event time (event times
 * must be near the nodes' clock, which dead-letter events far from it); all
 * the rest is the seed's.
 */
export function planChaosRun(seed: number, profile: ChaosProfile, startedAt: number): ChaosPlan {
  const random = new SeededRandom(seed);
  const base = Math.floor(startedAt / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const chunks = mainLoad({ count: profile.events, spanMs: profile.spanMs, base, partitions: profile.rawPartitions, chunks: profile.chunks }, random.fork('load'));
  const trailing = trailingLoad(base + profile.spanMs + 10 * 60_000, profile.rawPartitions);
  const faults = faultSchedule(profile, random.fork('schedule'));
  const probes = new Map<number, PlannedProbe>();
  const poisonPartitions = new Map<number, Record<PoisonKind, number>>();
  const targets = random.fork('targets');
  for (const fault of faults) {
    if (fault.kind === 'query') {
      const query = probeQuery(fault.ordinal);
      // Probes live an hour before the main load, two minutes apart, each in its own windows.
      const probeBase = base - 3_600_000 + fault.ordinal * 120_000;
      probes.set(fault.ordinal, { query, base: probeBase, records: probeLoad(query, probeBase, profile.rawPartitions, targets.fork(query.id)) });
    }
    if (fault.kind === 'poison') {
      const partitions = Object.fromEntries((Object.keys(POISON_KINDS) as PoisonKind[]).map((kind) => [kind, targets.integer(0, profile.rawPartitions - 1)]));
      poisonPartitions.set(fault.ordinal, partitions as Record<PoisonKind, number>);
    }
  }
  return { seed, profile, base, queries: mainQueries(profile.matchedPartitions), chunks, trailing, faults, probes, poisonPartitions };
}
