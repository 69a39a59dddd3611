/**
 * The seeded schedule of faults of a chaos run: in each round one fault of
 * every kind, in an order drawn from the seed, with drawn gaps, targets and
 * outage lengths. Pure: the same seed and profile give the same schedule.
 */
import type { ChaosProfile } from './profile.ts';
import type { SeededRandom } from './seeded-random.ts';

/** What a fault does. Every fault heals before the next begins, except a join, which adds a node for good. */
export const FAULT_KINDS = {
  sigkill: 'SIGKILL a node, restart it',
  sigterm: 'SIGTERM a node (graceful leave), restart it',
  sigstop: 'SIGSTOP a node past its session timeout, SIGCONT it',
  'node-join': 'a new node joins',
  'broker-kill': 'SIGKILL a broker, restart it',
  query: 'add a query, feed it, cancel it after its windows are out',
  poison: 'poison records into events.raw',
} as const;

export type FaultKind = keyof typeof FAULT_KINDS;

/** One fault of the schedule. */
export interface PlannedFault {
  /** Its position in the schedule, from 0. */
  readonly index: number;
  readonly kind: FaultKind;
  /** Wall-clock time to wait before it, after the previous fault healed. */
  readonly gapBeforeMs: number;
  /** Picks the node or broker: the `target % n`-th of the n candidates when it runs. */
  readonly target: number;
  /** How long the node or broker stays down (SIGKILL, SIGTERM, SIGSTOP, broker kill); 0 otherwise. */
  readonly downMs: number;
  /** The how-manieth fault of its kind, from 0 (names probe queries and poison markers). */
  readonly ordinal: number;
}

/** The faults of a run, in order. */
export function faultSchedule(profile: ChaosProfile, random: SeededRandom): PlannedFault[] {
  const kinds = Object.keys(FAULT_KINDS) as FaultKind[];
  const ordinals = new Map<FaultKind, number>();
  const faults: PlannedFault[] = [];
  for (let round = 0; round < profile.rounds; round++) {
    for (const kind of random.shuffle(kinds)) {
      const ordinal = ordinals.get(kind) ?? 0;
      ordinals.set(kind, ordinal + 1);
      faults.push({
        index: faults.length,
        kind,
        gapBeforeMs: random.integer(profile.gapMs[0], profile.gapMs[1]),
        target: random.integer(0, 1_000_000),
        downMs: downtime(kind, profile, random),
        ordinal,
      });
    }
  }
  return faults;
}

function downtime(kind: FaultKind, profile: ChaosProfile, random: SeededRandom): number {
  switch (kind) {
    case 'sigkill':
    case 'sigterm':
      return random.integer(500, 5_000);
    case 'sigstop':
      return profile.sessionTimeoutMs + random.integer(2_000, 6_000);
    case 'broker-kill':
      return random.integer(3_000, 15_000);
    default:
      return 0;
  }
}
