/**
 * A partition a node hosts, as a library user, a metrics endpoint or an
 * inspector may look at it: which stage and partition, how far it got, and
 * its actor's current state. The partition host behind it (restore, writer,
 * ledger, back-pressure) stays internal, so it can change without changing
 * the package's API.
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { PartitionHost, PartitionHostStats } from './partition-host.ts';

/**
 * One hosted partition, read-only. Get them from `node.hostedPartitions()`
 * or `NodeOptions.onRestored`.
 *
 * @example
 * ```ts
 * for (const hosted of node.hostedPartitions()) {
 *   const children = Object.keys(hosted.actorSnapshot()?.children ?? {}).length;
 *   console.log(`${hosted.stage}[${hosted.partition}] of ${hosted.topic}: ${hosted.stats().state}, ${children} child actors`);
 * }
 * ```
 */
export interface HostedPartition {
  /** The stage's name. */
  readonly stage: string;
  /** The stage's input topic. */
  readonly topic: string;
  /** The input partition. */
  readonly partition: number;
  /** Lifecycle state, input position, counters and how the partition was restored, now. */
  stats(): PartitionHostStats;
  /** The partition machine's current snapshot (its spawned children included), or null before restore and after stop. */
  actorSnapshot(): AnyMachineSnapshot | null;
  /** The partition actor's xstate session id (inspection events name their actor by it), or null when it does not run. */
  actorSessionId(): string | null;
}

/** The public view of a partition host. */
export function hostedPartition(host: PartitionHost): HostedPartition {
  return {
    stage: host.stage.name,
    topic: host.stage.input.topic,
    partition: host.partition,
    stats: () => host.stats(),
    actorSnapshot: () => (host.actor?.getSnapshot() as AnyMachineSnapshot | undefined) ?? null,
    actorSessionId: () => host.actor?.sessionId ?? null,
  };
}
