/**
 * How the CLI resolves a secured connection from flags, variables and a
 * config file: a private CA and client certificate read from files, the SASL
 * password from a file, one source at a time, and errors that name the
 * flag, variable or file to fix but never quote a secret.
 */
import test from 'ava';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import kafkajs from 'kafkajs';
import { explainConnectionFailure, resolveConnection, withConnectionFlags, type Connection } from '../../cli/connection.ts';
import { ConfigError } from '../../protocols/errors.ts';
import { SaslAuthenticationError, TlsHandshakeError, toEventideError } from '../../runtime/kafka/kafka-errors.ts';

const SECRET = 'pw-7f3a9c1e5b';
const dir = mkdtempSync(join(tmpdir(), 'eventide-connection-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const BROKERS = { EVENTIDE_BROKERS: 'kafka-1:9093' };

/** The message of the ConfigError `resolve` throws. */
function configError(t: import('ava').ExecutionContext, resolve: () => unknown): string {
  const error = t.throws(resolve, { instanceOf: ConfigError });
  return error?.message ?? '';
}

test('--sasl-password-file and EVENTIDE_SASL_PASSWORD_FILE read the password, without its trailing newline', (t) => {
  const passwordFile = file('password.txt', `${SECRET}\n`);
  const fromFlag = resolveConnection({ saslMechanism: 'scram-sha-512', saslUsername: 'alice', saslPasswordFile: passwordFile }, BROKERS);
  t.deepEqual(fromFlag.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
  const fromEnv = resolveConnection({}, { ...BROKERS, EVENTIDE_SASL_MECHANISM: 'SCRAM-SHA-256', EVENTIDE_SASL_USERNAME: 'alice', EVENTIDE_SASL_PASSWORD_FILE: passwordFile });
  t.deepEqual(fromEnv.sasl, { mechanism: 'scram-sha-256', username: 'alice', password: SECRET }, 'the mechanism is taken in any case');
});

test('a flag wins over a variable, which wins over the config file; one source giving the password twice is refused', (t) => {
  const config = file('sasl.json', JSON.stringify({ sasl: { mechanism: 'plain', username: 'from-file', password: 'file-password' } }));
  const env = { ...BROKERS, EVENTIDE_CONFIG: config, EVENTIDE_SASL_PASSWORD: 'env-password' };
  t.deepEqual(resolveConnection({}, env).sasl, { mechanism: 'plain', username: 'from-file', password: 'env-password' });
  t.deepEqual(resolveConnection({ saslPasswordFile: file('flag-password.txt', 'flag-password') }, env).sasl, { mechanism: 'plain', username: 'from-file', password: 'flag-password' });
  t.is(
    configError(t, () => resolveConnection({}, { ...env, EVENTIDE_SASL_PASSWORD_FILE: file('p.txt', SECRET) })),
    'both EVENTIDE_SASL_PASSWORD and EVENTIDE_SASL_PASSWORD_FILE are given: give one',
  );
});

test('a config file names a CA, a client certificate and a password file relative to itself', (t) => {
  const sub = mkdtempSync(join(dir, 'conf-'));
  writeFileSync(join(sub, 'ca.pem'), 'CA PEM');
  writeFileSync(join(sub, 'client.pem'), 'CLIENT PEM');
  writeFileSync(join(sub, 'client.key'), 'CLIENT KEY');
  writeFileSync(join(sub, 'password'), SECRET);
  const config = join(sub, 'eventide.json');
  writeFileSync(config, JSON.stringify({ brokers: ['kafka-1:9093', 'kafka-2:9093'], ssl: { ca: 'ca.pem', cert: 'client.pem', key: 'client.key' }, sasl: { mechanism: 'scram-sha-512', username: 'alice', passwordFile: 'password' } }));
  const connection = resolveConnection({ config }, {});
  t.deepEqual(connection.brokers, ['kafka-1:9093', 'kafka-2:9093']);
  t.deepEqual(connection.ssl, { ca: 'CA PEM', cert: 'CLIENT PEM', key: 'CLIENT KEY' });
  t.is(connection.sslCaFile, join(sub, 'ca.pem'));
  t.deepEqual(connection.sasl, { mechanism: 'scram-sha-512', username: 'alice', password: SECRET });
});

test('--ssl-ca turns TLS on with that CA; --ssl alone trusts the system CAs; no flag, no TLS', (t) => {
  const ca = file('ca.pem', 'PEM');
  t.deepEqual(resolveConnection({ sslCa: ca }, BROKERS).ssl, { ca: 'PEM' });
  t.deepEqual(resolveConnection({}, { ...BROKERS, EVENTIDE_SSL_CA: ca }).ssl, { ca: 'PEM' });
  t.is(resolveConnection({ ssl: true }, BROKERS).ssl, true);
  t.is(resolveConnection({}, BROKERS).ssl, false);
});

test('missing or unreadable files, half a client certificate and bad config fields are errors naming what to fix', (t) => {
  t.is(configError(t, () => resolveConnection({ sslCa: join(dir, 'nope.pem') }, BROKERS)), `cannot read the TLS CA file ${join(dir, 'nope.pem')}: ENOENT`);
  t.regex(configError(t, () => resolveConnection({ sslCert: file('c.pem', 'C') }, BROKERS)), /needs both --ssl-cert and --ssl-key/);
  t.is(
    configError(t, () => resolveConnection({ saslMechanism: 'plain', saslUsername: 'alice', saslPasswordFile: file('empty.txt', '\n') }, BROKERS)),
    `the SASL password file ${join(dir, 'empty.txt')} (--sasl-password-file) is empty`,
  );
  t.regex(configError(t, () => resolveConnection({ saslMechanism: 'plain', saslUsername: 'alice' }, BROKERS)), /^SASL plain needs a password: EVENTIDE_SASL_PASSWORD, --sasl-password-file/);
  t.regex(configError(t, () => resolveConnection({ saslMechanism: 'plain' }, { ...BROKERS, EVENTIDE_SASL_PASSWORD: SECRET })), /^SASL plain needs a username/);
  const badSsl = file('bad-ssl.json', JSON.stringify({ ssl: { ca: 42 } }));
  t.is(configError(t, () => resolveConnection({ config: badSsl }, BROKERS)), `config file ${badSsl}: ssl.ca must be a file name`);
  const typo = file('typo.json', JSON.stringify({ sasl: { mechanism: 'plain', username: 'alice', pasword: SECRET } }));
  t.regex(configError(t, () => resolveConnection({ config: typo }, BROKERS)), /sasl\.pasword must be absent/);
});

test('a config file that is not JSON is reported by position, without quoting the text around the error', (t) => {
  const broken = file('broken.json', `{"sasl": {"password": "${SECRET}" "username": "alice"}}`);
  const message = configError(t, () => resolveConnection({ config: broken }, BROKERS));
  t.regex(message, new RegExp(`^config file ${broken.replace(/[.]/g, '\\.')} is not valid JSON`));
  t.false(message.includes(SECRET));
});

test('--help says --sasl-password is visible to ps and points to the variable and the file', (t) => {
  const help = withConnectionFlags(new Command('node')).helpInformation().replace(/\s+/g, ' ');
  t.regex(help, /--sasl-password <secret> visible to every user of this machine in `ps` and kept in shell history: prefer EVENTIDE_SASL_PASSWORD or --sasl-password-file/);
  t.regex(help, /--sasl-password-file <file> read the SASL password from this file/);
  t.regex(help, /--ssl-ca <file> connect with TLS, trusting the CA certificates \(PEM\) in this file/);
});

const secured: Connection = resolveConnection({ saslMechanism: 'scram-sha-512', saslUsername: 'alice', saslPassword: SECRET, sslCa: file('trusted.pem', 'PEM') }, BROKERS);

test('a refused SASL login is worded with the user, the mechanism and the brokers, never the password', (t) => {
  // kafkajs's typings omit the constructor's message, which its SASL authenticators always pass.
  const SaslError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
  const refused = toEventideError(new SaslError('SASL SCRAM SHA512 authentication failed: invalid credentials'), 'describeTopics');
  t.true(refused instanceof SaslAuthenticationError);
  t.false(refused.retriable, 'the same credentials cannot succeed later');
  const explained = explainConnectionFailure(refused, secured) as Error;
  t.true(explained instanceof ConfigError);
  t.is(explained.message, 'SASL authentication failed for user alice (scram-sha-512) at kafka-1:9093: check the username and password. The broker said: SASL SCRAM SHA512 authentication failed: invalid credentials');
  t.false(explained.message.includes(SECRET));
});

test('an untrusted broker certificate is worded with the CA that was trusted and how to give another', (t) => {
  const connectionError = new kafkajs.KafkaJSConnectionError('Connection error: self-signed certificate in certificate chain', { broker: 'kafka-1:9093', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
  const failed = toEventideError(new kafkajs.KafkaJSNumberOfRetriesExceeded(connectionError, { retryCount: 5, retryTime: 3000 }), 'describeTopics');
  t.true(failed instanceof TlsHandshakeError, 'kafkajs calls it a connection error; it is a handshake that cannot succeed');
  t.false(failed.retriable);
  const explained = explainConnectionFailure(failed, secured) as Error;
  t.is(
    explained.message,
    `TLS handshake with kafka-1:9093 failed (SELF_SIGNED_CERT_IN_CHAIN: self-signed certificate in certificate chain): the broker's certificate is not signed by a CA this client trusts (the CA in ${join(dir, 'trusted.pem')}); give the CA that signed it with --ssl-ca <file> or EVENTIDE_SSL_CA`,
  );
  const plain = toEventideError(new kafkajs.KafkaJSConnectionError('Connection error: wrong version number', { broker: 'kafka-1:9093', code: 'ERR_SSL_WRONG_VERSION_NUMBER' }), 'connect');
  t.regex((explainConnectionFailure(plain, secured) as Error).message, /is kafka-1:9093 a TLS listener\?/);
});

test('other errors pass unchanged', (t) => {
  const other = new Error('something else');
  t.is(explainConnectionFailure(other, secured), other);
});
