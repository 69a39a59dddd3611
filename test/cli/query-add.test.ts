/**
 * `eventide query add` never replaces a query by accident: an id that is
 * registered already is refused unless `--replace`, an empty id is refused,
 * and `query renew` (which writes the same id again) still works.
 */
import test from 'ava';
import { MemoryLog, memoryTransport } from '../../runtime/memory/index.ts';
import { pipelineTopics } from '../../pipeline/topics.ts';
import { addQuery, listQueries, renewQuery } from '../../cli/queries.ts';
import { ConfigError } from '../../protocols/errors.ts';

const SHOP = "SELECT count(*) FROM PageView WHERE appName = 'shop' TIMESERIES 1 minute";
const BLOG = "SELECT count(*) FROM PageView WHERE appName = 'blog' TIMESERIES 1 minute";

test('an existing id is refused unless --replace, an empty id is refused, and renew writes the same id again', async (t) => {
  const transport = memoryTransport(new MemoryLog(), { clientId: 'cli' });
  t.teardown(() => transport.close());
  await transport.admin().createTopics(pipelineTopics({ partitions: 1 }));
  const now = 1_700_000_000_000;
  await addQuery(transport, SHOP, { id: 'shop', ttlMs: 600_000, now });
  const refused = await t.throwsAsync(addQuery(transport, BLOG, { id: 'shop', ttlMs: 600_000, now }), { instanceOf: ConfigError });
  t.regex(refused!.message, /a query 'shop' is registered already \(SELECT count\(\*\) FROM PageView WHERE appName = 'shop'.*--replace/);
  t.deepEqual((await listQueries(transport)).map((q) => q.nrql), [SHOP], 'the registered query is untouched');

  await addQuery(transport, BLOG, { id: 'shop', ttlMs: 600_000, now: now + 1, replace: true });
  t.deepEqual((await listQueries(transport)).map((q) => q.nrql), [BLOG]);

  await t.throwsAsync(addQuery(transport, SHOP, { id: '', ttlMs: 600_000, now }), { instanceOf: ConfigError, message: /--id must not be empty/ });
  await t.throwsAsync(addQuery(transport, SHOP, { id: '   ', ttlMs: 600_000, now }), { instanceOf: ConfigError, message: /--id must not be empty/ });

  const renewed = await renewQuery(transport, 'shop', { ttlMs: 600_000, now: now + 60_000 });
  t.is(renewed?.expiresAt, now + 660_000);
  const random = await addQuery(transport, SHOP, { ttlMs: 600_000, now });
  t.regex(random.id, /^q-[0-9a-f]{10}$/);
  t.is((await listQueries(transport)).length, 2);
});
