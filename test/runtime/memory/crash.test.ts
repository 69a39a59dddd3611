import test from 'ava';
import { TransportUnavailableError } from '../../../protocols/errors.ts';
import { MemoryCluster, Journal, bytes, text } from './memory-cluster.ts';

// Every scenario once per hand-over mode of the memory log.
for (const handOver of ['revoke-first', 'eager'] as const) {
  test(`${handOver}: a crashed node's partitions go to the survivors; its owner is told they are lost, never asked to revoke`, async (t) => {
    const cluster = new MemoryCluster({ handOver });
    const [a, b] = [cluster.node(), cluster.node()];
    await a.admin().createTopics([{ name: 'events', partitions: 4 }]);
    const journal = new Journal(cluster.changes);
    await a.consumer({ groupId: 'g' }).run(['events'], journal.handlers('a'));
    await b.consumer({ groupId: 'g' }).run(['events'], journal.handlers('b'));
    await cluster.changes.until(() => journal.owned.get('b')!.size === 2, 'b to own two partitions');
    const bHad = [...journal.owned.get('b')!];

    b.crash();
    await cluster.changes.until(() => journal.owned.get('a')!.size === 4, 'a to own everything');
    t.false(journal.entries.some((entry) => entry.startsWith('b revoked')), 'a crashed member is never asked to revoke');
    t.deepEqual((await a.admin().describeGroup('g')).members.map((m) => m.assignment.length), [4]);
    for (const partition of bHad) t.true(journal.entries.some((entry) => entry.startsWith(`a assigned ${partition}`)));
    await cluster.changes.until(() => journal.entries.some((entry) => entry.startsWith('b lost')), 'b to be told of its loss');
    t.deepEqual(journal.entries.filter((entry) => entry.startsWith('b lost')).map((entry) => entry.slice('b lost '.length)).sort(), [...bHad].sort(), 'everything it owned is lost');
    t.false(journal.entries.some((entry) => entry.startsWith('a lost')), 'the survivor loses nothing');
    await cluster.close();
  });

  test(`${handOver}: every later call of a crashed node throws, while disconnect and close resolve`, async (t) => {
    const cluster = new MemoryCluster({ handOver });
    const node = cluster.node();
    await node.admin().createTopics([{ name: 'events', partitions: 1 }]);
    const producer = node.producer();
    const consumer = node.consumer({ groupId: 'g' });
    const transactional = node.transactionalProducer('tx');
    await transactional.connect();
    const transaction = await transactional.transaction();

    node.crash();
    t.true(node.crashed);
    const unavailable = { instanceOf: TransportUnavailableError };
    await t.throwsAsync(() => producer.send([{ topic: 'events', partition: 0, value: bytes('x') }]), unavailable);
    await t.throwsAsync(() => transaction.send([{ topic: 'events', partition: 0, value: bytes('x') }]), unavailable);
    await t.throwsAsync(() => transaction.commit(), unavailable);
    await t.throwsAsync(() => consumer.run(['events'], new Journal(cluster.changes).handlers('c')), unavailable);
    await t.throwsAsync(() => node.reader().endOffsets('events'), unavailable);
    t.throws(() => node.producer(), unavailable);
    await producer.disconnect();
    await transactional.disconnect();
    await node.close();
    t.is(cluster.log.partition('events', 0).highWatermark, 0, 'nothing was written after the crash');
  });

  test(`${handOver}: an open transaction of a crashed node blocks read_committed readers until its transactional id is fenced`, async (t) => {
    const cluster = new MemoryCluster({ handOver });
    const [doomed, survivor] = [cluster.node(), cluster.node()];
    await survivor.admin().createTopics([{ name: 'results', partitions: 1 }]);
    const zombie = doomed.transactionalProducer('results-0');
    await zombie.connect();
    const open = await zombie.transaction();
    await open.send([{ topic: 'results', partition: 0, value: bytes('half-written') }]);
    doomed.crash();

    await survivor.producer().send([{ topic: 'results', partition: 0, value: bytes('after') }]);
    const reader = survivor.reader();
    t.is((await reader.endOffsets('results')).get(0), 0, 'the last stable offset is held at the open transaction');
    const journal = new Journal(cluster.changes);
    await survivor.consumer({ groupId: 'g' }).run(['results'], journal.handlers('s'));
    t.deepEqual(journal.records.get('s'), [], 'a read_committed member sees nothing past the open transaction');

    const successor = survivor.transactionalProducer('results-0');
    await successor.connect();
    await cluster.changes.until(() => journal.records.get('s')!.length === 1, 'the record behind the fenced transaction');
    t.deepEqual(journal.records.get('s')!.map(text), ['after']);
    t.is((await reader.endOffsets('results')).get(0), 3, 'record, abort marker and record');
    await cluster.close();
  });
}
