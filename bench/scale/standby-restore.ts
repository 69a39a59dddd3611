/**
 * What a standby replica saves a failover (issue 11), on a real broker: a
 * snapshots partition holding an hour of history (a snapshot every 5 s, as
 * `--snapshot-every` defaults to, kept by the topic's 1-hour retention) is
 * restored cold, read from its earliest offset as a node without a standby
 * does, and warm, from a StandbyReplica that followed it up to the newest
 * snapshot but one, as a node with `--standbys 1` does after its owner died.
 *
 *   npx tsx bench/scale/standby-restore.ts [snapshots=720] [stateKiB=64]
 */
import { performance } from 'node:perf_hooks';
import { startKafka } from '../../test/kafka/harness/index.ts';
import { kafkaTransport } from '../../runtime/kafka/index.ts';
import { encodeSnapshot } from '../../protocols/snapshot/index.ts';
import type { Transport } from '../../protocols/transport.ts';
import { restorePartition } from '../../runtime/partition/restorer.ts';
import { StandbyReplica } from '../../runtime/partition/standby-replica.ts';

const STAGE = 'aggregate';
const INPUT = 'bench.matched';
const SNAPSHOTS = 'bench.snapshots';

async function writeSnapshots(transport: Transport, from: number, until: number, state: unknown): Promise<void> {
  const producer = transport.producer();
  await producer.connect();
  for (let seq = from; seq <= until; seq++) {
    const records = encodeSnapshot({ stage: STAGE, partition: 0, seq, nextOffset: seq * 1000, nodeId: 'bench', generation: 1, takenAt: 1_700_000_000_000 + seq * 5000 }, { machine: state }, 512 * 1024);
    await producer.send(records.map((record) => ({ topic: SNAPSHOTS, partition: 0, key: record.key, value: record.value, headers: record.headers })));
  }
  await producer.disconnect();
}

async function main(): Promise<void> {
  const snapshots = Number(process.argv[2] ?? 720);
  const stateKiB = Number(process.argv[3] ?? 64);
  const kafka = await startKafka();
  const transport = kafkaTransport({ brokers: kafka.brokers, clientId: 'bench-standby-restore' });
  try {
    await transport.admin().createTopics([{ name: INPUT, partitions: 1 }, { name: SNAPSHOTS, partitions: 1 }]);
    // A state that does not compress to nothing: distinct numbers.
    const state = { windows: Array.from({ length: Math.round((stateKiB * 1024) / 12) }, (_, i) => i * 7919) };
    await writeSnapshots(transport, 1, snapshots - 1, state);
    const reader = transport.reader();
    const replica = new StandbyReplica(reader, { stage: STAGE, inputTopic: INPUT, snapshotsTopic: SNAPSHOTS, partition: 0 });
    const followStarted = performance.now();
    await replica.catchUp();
    const followMs = performance.now() - followStarted;
    await writeSnapshots(transport, snapshots, snapshots, state); // the dead owner's last snapshot, after the standby's last read
    const sources = { reader, committedOffsets: async () => new Map<number, number>() };
    const target = { stage: STAGE, partition: 0, inputTopic: INPUT, snapshotsTopic: SNAPSHOTS };
    const cold: number[] = [];
    let coldRead = 0;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const seed = await restorePartition(sources, target);
      cold.push(performance.now() - started);
      coldRead = seed.snapshotRecordsRead;
      if (seed.seq !== snapshots) throw new Error(`cold restore found snapshot ${seed.seq}, not ${snapshots}`);
    }
    const warmStarted = performance.now();
    const warmSeed = await restorePartition(sources, { ...target, warm: replica.take()! });
    const warmMs = performance.now() - warmStarted;
    if (warmSeed.seq !== snapshots) throw new Error(`warm restore found snapshot ${warmSeed.seq}, not ${snapshots}`);
    const median = [...cold].sort((a, b) => a - b)[1]!;
    process.stdout.write(
      [
        `snapshots partition: ${snapshots} snapshots of ${stateKiB} KiB (${coldRead} records)`,
        `cold restore (no standby): ${median.toFixed(0)} ms median of 3 (${cold.map((ms) => ms.toFixed(0)).join(', ')}), ${coldRead} records read`,
        `warm restore (standby followed all but the last snapshot): ${warmMs.toFixed(0)} ms, ${warmSeed.snapshotRecordsRead} records read`,
        `the standby's own follow of the history, off the failover's path: ${followMs.toFixed(0)} ms`,
        '',
      ].join('\n'),
    );
  } finally {
    await transport.close();
    await kafka.stop();
  }
}

await main();
