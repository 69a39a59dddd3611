/**
 * `eventide produce`: realistic raw event batches at a steady rate, for a
 * given time. A send the log cannot take now (a broker down, a leader moving)
 * is retried with growing waits, 0.5 s up to 10 s, for as long as the run
 * lasts, and each outage is reported when it starts and when it ends. The
 * rate catches up after an outage. A retried send whose first attempt reached
 * the log after all may write its batches twice: fine for load, said in
 * `--help`. Anything not retriable (a missing topic, refused credentials)
 * ends the run at once.
 */
import { TopicConfigError, isRetriable } from '../protocols/errors.ts';
import type { ProducedRecord, Transport } from '../protocols/transport.ts';
import { LoadGenerator } from '../pipeline/load-generator.ts';

export interface ProduceOptions {
  /** The raw topic. */
  readonly topic: string;
  /** Events per second. */
  readonly rate: number;
  readonly durationMs: number;
  /** Events per raw batch. */
  readonly batchSize: number;
}

export interface ProduceSummary {
  readonly events: number;
  readonly elapsedMs: number;
  /** Outages lived through (sends that failed and were retried until they went). */
  readonly outages: number;
}

/** Time and output, injected (tests run on a manual clock). */
export interface ProduceEnvironment {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** A line for the user (stderr in the CLI). */
  readonly report: (line: string) => void;
}

/** Most batches in one send: after an outage the run catches up in sends of this size, never in one of everything missed. */
const MAX_BATCHES_PER_SEND = 100;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

export async function produceLoad(transport: Transport, options: ProduceOptions, environment: ProduceEnvironment): Promise<ProduceSummary> {
  const { now, sleep, report } = environment;
  const [topic] = await transport.admin().describeTopics([options.topic]);
  if (topic === undefined) throw new TopicConfigError(`topic '${options.topic}' does not exist: run eventide topics create`);
  const producer = transport.producer();
  await producer.connect();
  const started = now();
  const generator = new LoadGenerator({ batchSize: options.batchSize }, started);
  let events = 0;
  let outages = 0;
  let partition = 0;
  const send = async (records: readonly ProducedRecord[]): Promise<void> => {
    let outageStarted: number | null = null;
    for (let retryMs = FIRST_RETRY_MS; ; retryMs = Math.min(MAX_RETRY_MS, retryMs * 2)) {
      try {
        await producer.send(records);
        if (outageStarted !== null) report(`produce: sending again after ${((now() - outageStarted) / 1000).toFixed(1)} s; ${events + records.length * options.batchSize} events produced so far`);
        return;
      } catch (error) {
        if (!isRetriable(error) || now() - started >= options.durationMs) throw error;
        if (outageStarted === null) {
          outageStarted = now();
          outages++;
          report(`produce: the cluster does not take records now (${error instanceof Error ? error.message : String(error)}); retrying every ${FIRST_RETRY_MS / 1000}–${MAX_RETRY_MS / 1000} s until it does (${events} events produced so far)`);
        }
        await sleep(retryMs);
      }
    }
  };
  try {
    while (now() - started < options.durationMs) {
      const due = Math.floor(((now() - started) / 1000) * options.rate) - events;
      const batches = Math.min(MAX_BATCHES_PER_SEND, Math.floor(due / options.batchSize));
      if (batches === 0) {
        await sleep(20);
        continue;
      }
      const records = Array.from({ length: batches }, () => {
        partition = (partition + 1) % topic.partitions;
        return { topic: options.topic, partition, value: generator.batch(now()).value };
      });
      await send(records);
      events += batches * options.batchSize;
    }
  } finally {
    await producer.disconnect().catch(() => {});
  }
  return { events, elapsedMs: now() - started, outages };
}
