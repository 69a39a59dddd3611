/**
 * How big a chaos run is: the short profile runs in `npm test` (a few
 * minutes on two cores), the long one by hand (`npm run chaos -- --long`).
 */

/** The size of a chaos run. */
export interface ChaosProfile {
  readonly name: 'short' | 'long';
  /** Partitions of events.raw (the sources of event time), events.parsed and results. */
  readonly rawPartitions: number;
  /** Partitions of events.matched and snapshots (the aggregate partitions). */
  readonly matchedPartitions: number;
  /** Events of the main load. */
  readonly events: number;
  /** The event-time span of the main load, from its base. */
  readonly spanMs: number;
  /** The main load is produced in this many chunks... */
  readonly chunks: number;
  /** ...one this often while faults are still to come (the rest at once when they are done). */
  readonly chunkEveryMs: number;
  /** Rounds of faults: each round has one fault of every kind, in a seeded order. */
  readonly rounds: number;
  /** Wall-clock quiet time between two faults, drawn from [min, max]. */
  readonly gapMs: readonly [number, number];
  /** `--session-timeout` of the nodes; a SIGSTOP lasts longer than this. */
  readonly sessionTimeoutMs: number;
  /** How long the pipeline may take to publish everything once the load and the faults are done. */
  readonly settleTimeoutMs: number;
}

export const SHORT_PROFILE: ChaosProfile = {
  name: 'short',
  rawPartitions: 3,
  matchedPartitions: 4,
  events: 9_000,
  spanMs: 12 * 60_000,
  chunks: 40,
  chunkEveryMs: 2_000,
  rounds: 1,
  gapMs: [1_000, 3_000],
  sessionTimeoutMs: 8_000,
  settleTimeoutMs: 90_000,
};

export const LONG_PROFILE: ChaosProfile = {
  name: 'long',
  rawPartitions: 4,
  matchedPartitions: 6,
  events: 200_000,
  spanMs: 100 * 60_000,
  chunks: 400,
  chunkEveryMs: 2_500,
  rounds: 4,
  gapMs: [4_000, 15_000],
  sessionTimeoutMs: 8_000,
  settleTimeoutMs: 300_000,
};
