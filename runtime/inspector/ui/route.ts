/**
 * The page's hash routes, so that every view has a link:
 * `#/cluster` (the default), `#/actors?<query>`, `#/actor/<id>`,
 * `#/history/<stage>/<partition>[/<seq>]`, `#/view/<name>` (a view the node
 * adds, such as the pipeline's `#/view/queries`).
 * Path segments are encoded with encodeURIComponent (an actor id as a whole).
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { readonly view: 'cluster' }
  | { readonly view: 'actors'; readonly query: URLSearchParams }
  | { readonly view: 'actor'; readonly id: string }
  | { readonly view: 'history'; readonly stage: string; readonly partition: number }
  | { readonly view: 'snapshot'; readonly stage: string; readonly partition: number; readonly seq: number }
  | { readonly view: 'custom'; readonly name: string }
  | { readonly view: 'unknown'; readonly hash: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const queryAt = raw.indexOf('?');
  const path = queryAt === -1 ? raw : raw.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : raw.slice(queryAt + 1));
  const segments = path.split('/').filter((segment) => segment !== '').map(decodeSegment);
  const [head, ...rest] = segments;
  if (head === undefined || head === 'cluster') return { view: 'cluster' };
  if (head === 'actors') return { view: 'actors', query };
  if (head === 'actor' && rest.length === 1) return { view: 'actor', id: rest[0]! };
  if (head === 'view' && rest.length === 1) return { view: 'custom', name: rest[0]! };
  if (head === 'history' && (rest.length === 2 || rest.length === 3)) {
    const partition = Number(rest[1]);
    if (Number.isInteger(partition)) {
      if (rest.length === 2) return { view: 'history', stage: rest[0]!, partition };
      const seq = Number(rest[2]);
      if (Number.isInteger(seq)) return { view: 'snapshot', stage: rest[0]!, partition, seq };
    }
  }
  return { view: 'unknown', hash };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

const enc = encodeURIComponent;

/** Links to each view. */
export const href = {
  cluster: (): string => '#/cluster',
  actors: (query: Readonly<Record<string, string | number | undefined>> = {}): string => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(key, String(value));
    const text = params.toString();
    return text === '' ? '#/actors' : `#/actors?${text}`;
  },
  actor: (id: string): string => `#/actor/${enc(id)}`,
  history: (stage: string, partition: number): string => `#/history/${enc(stage)}/${partition}`,
  snapshot: (stage: string, partition: number, seq: number): string => `#/history/${enc(stage)}/${partition}/${seq}`,
  view: (name: string): string => `#/view/${enc(name)}`,
};

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const follow = (): void => setHash(location.hash);
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return parseRoute(hash);
}
