import test from 'ava';
import { NO_WATERMARK, sourceKey, watermarkOf } from '../../actors/watermark.ts';

const IDLE = 60_000;
const source = (maxEventTime: number, seenAt: number) => ({ maxEventTime, seenAt });

test('the watermark is the lowest of the highest event times of the sources that are not idle', (t) => {
  const sources = { [sourceKey('raw', 0)]: source(500, 1000), [sourceKey('raw', 1)]: source(300, 1000) };
  t.is(watermarkOf({ sources, sourceTopics: { raw: 2 }, firstEventAt: 0 }, 1000, IDLE), 300);
});

test('a source quiet for the idle timeout stops holding it back; with every source idle it is the highest', (t) => {
  const sources = { [sourceKey('raw', 0)]: source(500, 70_000), [sourceKey('raw', 1)]: source(300, 1000) };
  t.is(watermarkOf({ sources, sourceTopics: { raw: 2 }, firstEventAt: 0 }, 61_000, IDLE), 500);
  t.is(watermarkOf({ sources, sourceTopics: { raw: 2 }, firstEventAt: 0 }, 200_000, IDLE), 500);
});

test('a source never heard from holds it at nothing until the idle timeout after the first event', (t) => {
  const sources = { [sourceKey('raw', 0)]: source(500, 1000) };
  t.is(watermarkOf({ sources, sourceTopics: { raw: 2 }, firstEventAt: 1000 }, 60_999, IDLE), NO_WATERMARK);
  t.is(watermarkOf({ sources, sourceTopics: { raw: 2 }, firstEventAt: 1000 }, 61_000, IDLE), 500);
  t.is(watermarkOf({ sources: {}, sourceTopics: {}, firstEventAt: null }, 1000, IDLE), NO_WATERMARK);
});

test('source keys are the one topic-partition key', (t) => {
  t.is(sourceKey('events.raw', 3), 'events.raw/3');
});
