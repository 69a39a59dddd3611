import test from 'ava';
import { ProducerFencedError } from '../../../protocols/errors.ts';
import { describeFailure } from '../../../runtime/partition/failure.ts';

test('fenced while revoking is the hand-over working: a warning', (t) => {
  t.like(describeFailure(new ProducerFencedError('fenced'), true), { level: 'warn', message: 'fenced while writing the final snapshot; the new owner restores from the one before', fields: { fenced: true } });
});

test('fenced at any other time, this owner is a zombie; anything else is a fault: errors', (t) => {
  t.like(describeFailure(new ProducerFencedError('fenced'), false), { level: 'error', message: 'fenced by a newer owner; giving up the partition' });
  const failure = describeFailure(new Error('boom'), true);
  t.like(failure, { level: 'error', message: 'partition failed', fields: { fenced: false } });
  t.regex(failure.fields.err, /^Error: boom/);
  t.is(describeFailure('plain', false).fields.err, 'plain');
});
