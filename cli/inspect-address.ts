/**
 * The inspector address a node publishes to its peers: the one it binds,
 * unless that is the wildcard (0.0.0.0, ::), which no peer can reach as
 * such; then this machine's host name with the same port.
 */
import { hostname } from 'node:os';
import { parseInspectAddress } from '../index.ts';

export function advertisedInspectAddress(address: string): { advertise?: string } {
  const { host, port } = parseInspectAddress(address);
  if (host !== '0.0.0.0' && host !== '::' || port === 0) return {};
  return { advertise: `${hostname()}:${port}` };
}
