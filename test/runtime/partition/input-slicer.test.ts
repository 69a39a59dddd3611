import test from 'ava';
import type { ConsumedRecord } from '../../../protocols/transport.ts';
import { InputSlicer } from '../../../runtime/partition/input-slicer.ts';

const records = (from: number, to: number): ConsumedRecord[] =>
  Array.from({ length: to - from }, (_, i) => ({ topic: 'in', partition: 0, offset: from + i, key: null, value: null, headers: {}, timestamp: 0 }));
const offsets = (slices: ReturnType<InputSlicer['slice']>): [number, number, boolean][] =>
  slices.map((slice) => [slice.records[0]!.offset, slice.records[slice.records.length - 1]!.offset, slice.replayed]);

test('cuts a batch into messages of at most maxRecords records, in offset order', (t) => {
  const slicer = new InputSlicer(4, () => false);
  t.deepEqual(offsets(slicer.slice(records(0, 10))), [[0, 3, false], [4, 7, false], [8, 9, false]]);
  t.is(slicer.expected, 10);
});

test('leaves out records below the next offset expected (a fetch after a seek delivers them again)', (t) => {
  const slicer = new InputSlicer(100, () => false);
  slicer.startAt(5);
  t.deepEqual(offsets(slicer.slice(records(0, 8))), [[5, 7, false]]);
  t.deepEqual(slicer.slice(records(6, 8)), [], 'seen already');
  t.deepEqual(offsets(slicer.slice(records(7, 10))), [[8, 9, false]]);
});

test('replayed and new records never share a message', (t) => {
  const slicer = new InputSlicer(100, (offset) => offset < 13);
  slicer.startAt(10);
  t.deepEqual(offsets(slicer.slice(records(10, 16))), [[10, 12, true], [13, 15, false]]);
});
