/**
 * `eventide demo`: the whole query pipeline in one process on the memory
 * transport, with a generated load and a few registered queries, and a live
 * view of the results.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumedRecord } from '../protocols/transport.ts';
import { decodeEventBatch } from '../protocols/event-batch/index.ts';
import { encodeQueryRecord } from '../protocols/query-record/index.ts';
import { decodeWindowResult } from '../protocols/result/index.ts';
import { parseQuery } from '../protocols/nrql/index.ts';
import { createNode, defineStage, MemoryLog, memoryTransport, systemClock, type Logger } from '../index.ts';
import { pipelineStages, pipelineTables } from '../pipeline/stages.ts';
import { pipelineGroup, pipelineTopicNames, pipelineTopics } from '../pipeline/topics.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';
import { ResultsView } from './results-view.ts';
import { serveNodeInspector } from './node-server.ts';

export interface DemoOptions {
  /** Seconds to run; run until interrupted when absent. */
  readonly durationSeconds?: number;
  /** Events per second. */
  readonly rate: number;
  readonly partitions: number;
  /** Put before every topic name and the group, as `--topic-prefix` does. @default '' */
  readonly topicPrefix?: string;
  /** Where the inspector listens (`HOST:PORT`, port 0 for a free one). @default '127.0.0.1:0' */
  readonly inspect?: string;
  readonly inspectToken?: string;
  readonly logger: Logger;
  readonly out: NodeJS.WriteStream;
}

export const DEMO_QUERIES = [
  "SELECT count(*) FROM PageView WHERE appName = 'shop' FACET country TIMESERIES 10 seconds WITH LATENESS 2 seconds",
  'SELECT count(*), average(duration), percentile(duration, 95) FROM Transaction FACET appName TIMESERIES 10 seconds WITH LATENESS 2 seconds',
  "SELECT uniqueCount(userId), max(duration) FROM PageView, Transaction WHERE host LIKE 'web-%' TIMESERIES 10 seconds WITH LATENESS 2 seconds",
];

export interface DemoSummary {
  readonly eventsProduced: number;
  readonly eventsProcessed: number;
  readonly resultsPublished: number;
  readonly deadLetters: number;
  readonly seconds: number;
}

export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { logger, out } = options;
  const log = new MemoryLog();
  const transport = memoryTransport(log, { clientId: 'demo', onError: (error, context) => logger.error({ err: String(error), ...context }, 'transport handler failed') });
  const naming = { prefix: options.topicPrefix ?? '' };
  const topics = pipelineTopicNames(naming);
  await transport.admin().createTopics(pipelineTopics({ ...naming, partitions: options.partitions }));

  const now = systemClock.now();
  await transport.producer().send(
    DEMO_QUERIES.map((nrql, i) => {
      parseQuery(nrql);
      const id = `demo-${i + 1}`;
      return { topic: topics.queries, partition: 0, key: id, value: encodeQueryRecord({ v: 1, id, nrql, createdAt: now, expiresAt: now + 3_600_000 }) };
    }),
  );

  // Count parsed events where the pipeline decodes them: wrap the fused stage's decode.
  let eventsProcessed = 0;
  const pipeline = { topics, snapshotEveryMs: 2000, idleTimeoutMs: 5000 };
  const stages = pipelineStages(['parse', 'match', 'aggregate'], pipeline).map((stage) =>
    stage.name !== 'ingest'
      ? stage
      : defineStage({
          ...stage,
          input: {
            ...stage.input,
            decode: (record: ConsumedRecord) => {
              const batch = stage.input.decode(record) as ReturnType<typeof decodeEventBatch>;
              eventsProcessed += batch.events.length;
              return batch;
            },
          },
        }),
  );
  const node = createNode({ transport, group: pipelineGroup('demo', naming), nodeId: `demo-${randomUUID().slice(0, 8)}`, stages, tables: pipelineTables(pipeline), logger });
  const inspector = await serveNodeInspector(node, {
    address: options.inspect ?? '127.0.0.1:0',
    transport,
    topics,
    logger,
    ...(options.inspectToken === undefined ? {} : { token: options.inspectToken }),
  });
  const inspectorLine = `inspector: ${inspector.url}${options.inspectToken === undefined ? '' : ' (open it with ?token=<your token>)'}`;
  out.write(`${inspectorLine}\n`);
  await node.start();

  const view = new ResultsView();
  const reader = transport.reader();
  const follower = await reader.follow(topics.results, { onRecords: (records) => records.forEach((record) => view.add(decodeWindowResult(record.value!))) });
  let deadLetters = 0;
  const deadLetterFollower = await reader.follow(topics.deadletter, { onRecords: (records) => void (deadLetters += records.length) });

  const generator = new LoadGenerator();
  const producer = transport.producer();
  let eventsProduced = 0;
  let partition = 0;
  const started = Date.now();
  const batchesPerTick = Math.max(1, Math.round(options.rate / 100 / 10));
  const stopLoad = systemClock.every(100, () => {
    const records = Array.from({ length: batchesPerTick }, () => {
      const batch = generator.batch(systemClock.now());
      eventsProduced += batch.events;
      partition = (partition + 1) % options.partitions;
      return { topic: topics.raw, partition, value: batch.value };
    });
    void producer.send(records);
  });

  const redraw = out.isTTY === true;
  const draw = (): void => {
    const seconds = (Date.now() - started) / 1000;
    const header = `eventide demo — ${seconds.toFixed(0)} s, ${eventsProduced} events produced, ${eventsProcessed} processed, ${view.published} results published, ${deadLetters} dead letters (Ctrl-C to stop)`;
    if (redraw) out.write(`\x1b[H\x1b[2J${view.render(`${header}\n${inspectorLine}`)}\n`);
    else out.write(`${header}\n`);
  };
  if (redraw) out.write('\x1b[2J');
  draw();
  // A referenced timer: the demo runs until its duration ends or it is interrupted.
  const drawTimer = setInterval(draw, 1000);
  const stopDraw = (): void => clearInterval(drawTimer);

  await new Promise<void>((resolve) => {
    const finish = (): void => resolve();
    if (options.durationSeconds !== undefined) void systemClock.sleep(options.durationSeconds * 1000).then(finish);
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
  });
  stopLoad();
  stopDraw();
  // Let the node catch up with what was produced, then leave cleanly (final snapshots).
  const deadline = Date.now() + 5000;
  while (eventsProcessed < eventsProduced && Date.now() < deadline) await systemClock.sleep(50);
  await node.stop();
  await inspector.close();
  await follower.stop();
  await deadLetterFollower.stop();
  await transport.close();
  const summary = { eventsProduced, eventsProcessed, resultsPublished: view.published, deadLetters, seconds: (Date.now() - started) / 1000 };
  if (redraw) out.write(`\x1b[H\x1b[2J${view.render('final results')}\n`);
  return summary;
}
