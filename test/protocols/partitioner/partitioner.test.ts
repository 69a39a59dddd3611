import test from 'ava';
import { murmur2, partitionForKey } from '../../../protocols/partitioner.ts';

// Computed with the Java client (kafka-clients 3.7.0) in jshell:
// Utils.murmur2(key.getBytes(UTF_8)) and Utils.toPositive(hash) % n for n = 1, 3, 12, 64, 100.
const javaClient: [string, number, number[]][] = [
  ['', 275646681, [0, 0, 9, 25, 81]],
  ['a', -1563381124, [0, 1, 4, 60, 24]],
  ['ab', 316155434, [0, 2, 2, 42, 34]],
  ['abc', 479470107, [0, 0, 3, 27, 7]],
  ['21', -973932308, [0, 0, 0, 44, 40]],
  ['foobar', -790332482, [0, 0, 6, 62, 66]],
  ['query-1', -1214606392, [0, 1, 4, 8, 56]],
  ['q_abc-123', 699420082, [0, 1, 10, 50, 82]],
  ['a-little-bit-long-string', -985981536, [0, 2, 8, 32, 12]],
  ['héllo wörld', 439213890, [0, 0, 6, 2, 90]],
  ['日本語キー', 1445825182, [0, 1, 10, 30, 82]],
  ['order:9f3c', 1241834115, [0, 0, 3, 3, 15]],
];

for (const [key, hash, partitions] of javaClient) {
  test(`puts ${JSON.stringify(key)} where the Java client does`, (t) => {
    t.is(murmur2(Buffer.from(key, 'utf8')), hash);
    t.deepEqual(
      [1, 3, 12, 64, 100].map((n) => partitionForKey(key, n)),
      partitions,
    );
  });
}

test('refuses a partition count below one', (t) => {
  t.throws(() => partitionForKey('a', 0), { instanceOf: RangeError, message: /positive integer, got 0/ });
});
