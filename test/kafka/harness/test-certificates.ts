import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate authority made for one test cluster: its certificate (PEM) is what a client trusts. */
export interface TestCertificateAuthority {
  /** Path of the CA certificate, PEM. */
  readonly certificateFile: string;
  /** The CA certificate itself, PEM. */
  readonly certificate: string;
  readonly keyFile: string;
}

/** A broker's TLS identity: a PKCS12 keystore holding its key and a certificate for 127.0.0.1 signed by the CA. */
export interface BrokerKeystore {
  readonly keystoreFile: string;
  /** The keystore's (and its key's) password; made up for the test, not a secret worth hiding. */
  readonly password: string;
}

/**
 * Creates a self-signed CA in `dir` with openssl (EC P-256 keys, so it takes
 * milliseconds), valid for two days. Throws naming openssl's output when it
 * fails or is missing.
 */
export function createCertificateAuthority(dir: string, name: string): TestCertificateAuthority {
  mkdirSync(dir, { recursive: true });
  const keyFile = join(dir, `${name}.key`);
  const certificateFile = join(dir, `${name}.pem`);
  openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', keyFile, '-out', certificateFile, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certificateFile, certificate: readFileSync(certificateFile, 'utf8'), keyFile };
}

/**
 * Issues a server certificate for 127.0.0.1 and localhost signed by `ca` and
 * packs it, with its key and the CA, into a PKCS12 keystore the broker reads
 * (`ssl.keystore.type=PKCS12`).
 */
export function createBrokerKeystore(dir: string, ca: TestCertificateAuthority, name: string): BrokerKeystore {
  const key = join(dir, `${name}.key`);
  const request = join(dir, `${name}.csr`);
  const certificate = join(dir, `${name}.pem`);
  const extensions = join(dir, `${name}.ext`);
  const keystoreFile = join(dir, `${name}.p12`);
  const password = randomBytes(12).toString('hex');
  writeFileSync(extensions, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', request, '-subj', `/CN=${name}`]);
  openssl(['x509', '-req', '-in', request, '-CA', ca.certificateFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certificate, '-days', '2', '-extfile', extensions]);
  openssl(['pkcs12', '-export', '-in', certificate, '-inkey', key, '-certfile', ca.certificateFile, '-name', name, '-out', keystoreFile, '-passout', `pass:${password}`]);
  return { keystoreFile, password };
}

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`kafka: openssl is needed to make the test certificates (apt-get install openssl): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kafka: openssl ${args[0]} failed (exit ${result.status}): ${result.stderr}`);
}
