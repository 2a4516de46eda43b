import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, ParameterAlreadyExists, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmTokenStore, tokenParameterName } from '../../lambda/adapters/ssm-token-store.js';
import type { TargetState } from '../../lambda/core/cached-token.js';
import { CapturingLog } from '../core/fakes.js';

const ssm = mockClient(SSMClient);
const record: TargetState = {
  version: 2,
  token: { token: 'fake-token-abc', expires: 1_700_003_600_000, ssl: true, issuedAt: 1_700_000_000_000, fingerprint: 'f'.repeat(32), identity: 'i'.repeat(32), binding: { client: 'referer', referer: 'https://apps.example.com' } },
};
let log: CapturingLog;
let store: SsmTokenStore;

beforeEach(() => {
  ssm.reset();
  log = new CapturingLog();
  store = new SsmTokenStore(new SSMClient({ region: 'eu-west-1' }), { prefix: '/arcgis-token-vending' }, log);
});

describe('SsmTokenStore', () => {
  it('names one parameter per target under the prefix', () => {
    expect(tokenParameterName('/arcgis-token-vending', 'main')).toBe('/arcgis-token-vending/main/token');
  });

  it('reads and decrypts the SecureString', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Name: '/arcgis-token-vending/main/token', Type: 'SecureString', Value: JSON.stringify(record) } });
    expect(await store.get('main')).toEqual(record);
    expect(ssm).toHaveReceivedCommandWith(GetParameterCommand, { Name: '/arcgis-token-vending/main/token', WithDecryption: true });
  });

  it('treats ParameterNotFound as an empty cache', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    expect(await store.get('main')).toBeUndefined();
  });

  it('treats malformed cached JSON as a miss and logs the parameter, not its value', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: '{"token":"fake-token-partial"' } });
    expect(await store.get('main')).toBeUndefined();
    expect(log.lines).toEqual([{ level: 'warn', message: 'cached token parameter is not a valid token record; ignoring it', fields: { parameter: '/arcgis-token-vending/main/token' } }]);
    expect(log.text()).not.toContain('fake-token-partial');
  });

  it('treats a record of the wrong shape as a miss', async () => {
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: JSON.stringify({ ...record, token: { ...record.token, expires: 'tomorrow' } }) } });
    expect(await store.get('main')).toBeUndefined();
  });

  it('passes other failures (throttling, access denied) to the caller', async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(store.get('main')).rejects.toThrow('Rate exceeded');
  });

  it('writes the record as a SecureString, overwriting the previous one', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 2 });
    await store.put('main', record);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, {
      Name: '/arcgis-token-vending/main/token',
      Value: JSON.stringify(record),
      Type: 'SecureString',
      Overwrite: true,
      Description: 'ArcGIS token cached by arcgis-token-vending (written by the function; do not edit)',
    });
  });

  it('uses a customer-managed KMS key when one is configured', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    const withKey = new SsmTokenStore(new SSMClient({ region: 'eu-west-1' }), { prefix: '/atv', kmsKeyId: 'alias/arcgis-tokens' }, log);
    await withKey.put('main', record);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: '/atv/main/token', Type: 'SecureString', KeyId: 'alias/arcgis-tokens' });
  });
});

describe('SsmTokenStore leases', () => {
  const LEASE = '/arcgis-token-vending/main/lease';
  const exists = () => new ParameterAlreadyExists({ message: 'The parameter already exists.', $metadata: {} });

  it('takes a free lease with a create-only write', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    expect(await store.acquireLease('main', 'holder-a', 12_000, 1_000)).toBe(true);
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input)).toEqual([
      { Name: LEASE, Value: '{"holder":"holder-a","until":13000}', Type: 'String', Overwrite: false },
    ]);
  });

  it('does not take a lease another container holds', async () => {
    ssm.on(PutParameterCommand, { Overwrite: false }).rejects(exists());
    ssm.on(GetParameterCommand, { Name: LEASE }).resolves({ Parameter: { Value: '{"holder":"holder-b","until":5000}' } });
    expect(await store.acquireLease('main', 'holder-a', 12_000, 1_000)).toBe(false);
    expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 1);
  });

  it('takes over a lease that has run out, and checks it won the race', async () => {
    ssm.on(PutParameterCommand, { Overwrite: false }).rejects(exists());
    ssm.on(PutParameterCommand, { Overwrite: true }).resolves({ Version: 3 });
    ssm
      .on(GetParameterCommand, { Name: LEASE })
      .resolvesOnce({ Parameter: { Value: '{"holder":"holder-b","until":900}' } })
      .resolves({ Parameter: { Value: '{"holder":"holder-a","until":13000}' } });
    expect(await store.acquireLease('main', 'holder-a', 12_000, 1_000)).toBe(true);
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: LEASE, Value: '{"holder":"holder-a","until":13000}', Overwrite: true });
  });

  it('loses a takeover race to a container that wrote after it', async () => {
    ssm.on(PutParameterCommand, { Overwrite: false }).rejects(exists());
    ssm.on(PutParameterCommand, { Overwrite: true }).resolves({ Version: 3 });
    ssm
      .on(GetParameterCommand, { Name: LEASE })
      .resolvesOnce({ Parameter: { Value: '{"holder":"holder-b","until":900}' } })
      .resolves({ Parameter: { Value: '{"holder":"holder-c","until":13000}' } });
    expect(await store.acquireLease('main', 'holder-a', 12_000, 1_000)).toBe(false);
  });

  it('releases by writing a lease that has already run out (no DeleteParameter permission needed)', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 4 });
    await store.releaseLease('main', 'holder-a');
    expect(ssm).toHaveReceivedCommandWith(PutParameterCommand, { Name: LEASE, Value: '{"holder":"holder-a","until":0}', Type: 'String', Overwrite: true });
  });
});
