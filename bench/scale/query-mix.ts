/**
 * Registered queries as a large tenant base writes them: the demo's three
 * shapes, each with its own WHERE and FACET, most of them selective (one app
 * of a thousand, one user), so an event matches a handful of them.
 */
const APPS = ['shop', 'blog', 'api', 'checkout'];
const FACETS = ['country', 'host', 'page', 'appName', 'country, host'];

/** The NRQL of the `i`-th query of the mix (deterministic). */
export function mixedQuery(i: number): string {
  const app = i % 50 === 0 ? APPS[(i / 50) % APPS.length]! : `app-${i % 1000}`;
  const facet = FACETS[i % FACETS.length]!;
  switch (i % 10) {
    case 0: case 1: case 2: case 3: case 4:
      return `SELECT count(*) FROM PageView WHERE appName = '${app}' FACET ${facet} TIMESERIES 10 seconds WITH LATENESS 2 seconds`;
    case 5: case 6: case 7:
      return `SELECT count(*), average(duration), percentile(duration, 95) FROM Transaction WHERE appName = '${app}' AND host = 'web-${i % 5}' FACET ${facet} TIMESERIES 10 seconds WITH LATENESS 2 seconds`;
    case 8:
      return `SELECT uniqueCount(userId), max(duration) FROM PageView, Transaction WHERE host LIKE 'web-%' AND userId = 'u${i % 5000}' TIMESERIES 10 seconds WITH LATENESS 2 seconds`;
    default:
      return `SELECT count(*) FROM Transaction WHERE duration > ${(i % 20) / 2} AND appName IN ('${app}', 'app-${(i + 7) % 1000}') FACET ${facet} TIMESERIES 1 minute`;
  }
}

/** The id of the `i`-th query. */
export const mixedQueryId = (i: number): string => `q${String(i).padStart(6, '0')}`;
