import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/**
 * Waits until the cluster answers `describeCluster` with `expectedBrokers`
 * brokers. JVM start-up on a small machine takes seconds, so the deadline is
 * generous; `isAlive` lets the caller fail fast when a process died.
 */
export async function waitForCluster(
  brokers: string[],
  expectedBrokers: number,
  options: { timeoutMs?: number; isAlive?: () => string | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const kafka = new Kafka({
    clientId: 'eventide-harness',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    const death = options.isAlive?.();
    if (death !== undefined) throw new Error(death);
    const admin = kafka.admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      const description = await admin.describeCluster();
      if (description.brokers.length >= expectedBrokers && description.controller !== null) return;
      lastError = new Error(`${description.brokers.length} of ${expectedBrokers} brokers registered`);
    } catch (error) {
      lastError = error;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error(`Kafka at ${brokers.join(',')} did not answer describeCluster in time: ${String(lastError)}`);
}
