import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { GetParameterCommand, ParameterNotFound, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { SsmTokenStore, tokenParameterName } from '../../lambda/adapters/ssm-token-store.js';
import { AwsCallUnansweredError, UNANSWERED_MEMORY_MS } from '../../lambda/adapters/unanswered-aws-calls.js';
import type { TargetState } from '../../lambda/domain/cached-token.js';
import { CapturingLog, FakeClock } from '../service/fakes.js';

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

  describe('a call that got no answer (the client timed out every attempt)', () => {
    /** What the SDK throws when its connectionTimeout or requestTimeout ended the last attempt. */
    const unanswered = () => Object.assign(new Error('@smithy/node-http-handler - [ERROR] a request has exceeded the configured 3000 ms requestTimeout.'), { name: 'TimeoutError', $metadata: { attempts: 3 } });
    let clock: FakeClock;
    beforeEach(() => {
      clock = new FakeClock(Date.parse('2026-12-01T10:00:00.000Z'));
      store = new SsmTokenStore(new SSMClient({ region: 'eu-west-1' }), { prefix: '/arcgis-token-vending', now: clock.now }, log);
    });

    it('is remembered: reads and writes fail at once, without asking SSM, naming the call and until when', async () => {
      ssm.on(GetParameterCommand).rejects(unanswered());
      ssm.on(PutParameterCommand).resolves({ Version: 1 });
      await expect(store.get('main')).rejects.toThrow('a request has exceeded the configured 3000 ms requestTimeout.');
      clock.advance(5_000);
      const message =
        'SSM was not asked: a call at 2026-12-01T10:00:00.000Z got no answer in 3 attempts, so this container does without the token store until 2026-12-01T10:00:30.000Z rather than wait on it again. ' +
        "Check the function's network path to SSM (its VPC endpoint or NAT gateway, and their security groups).";
      const read = await store.get('other').catch((e: unknown) => e);
      expect(read).toBeInstanceOf(AwsCallUnansweredError);
      expect((read as Error).message).toBe(message);
      await expect(store.put('main', record)).rejects.toThrow(message);
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 1);
      expect(ssm).toHaveReceivedCommandTimes(PutParameterCommand, 0);
    });

    it(`asks SSM again once ${UNANSWERED_MEMORY_MS / 1000} s have passed`, async () => {
      ssm.on(GetParameterCommand).rejectsOnce(unanswered()).resolves({ Parameter: { Value: JSON.stringify(record) } });
      await expect(store.get('main')).rejects.toThrow('requestTimeout');
      clock.advance(UNANSWERED_MEMORY_MS - 1);
      await expect(store.get('main')).rejects.toBeInstanceOf(AwsCallUnansweredError);
      clock.advance(1);
      expect(await store.get('main')).toEqual(record);
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    });

    it('is not confused with an answer that refused the call: throttling or access denied are passed on and SSM is asked next time', async () => {
      ssm.on(GetParameterCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { attempts: 3 } })).resolves({ Parameter: { Value: JSON.stringify(record) } });
      await expect(store.get('main')).rejects.toThrow('Rate exceeded');
      expect(await store.get('main')).toEqual(record);
      expect(ssm).toHaveReceivedCommandTimes(GetParameterCommand, 2);
    });
  });
});
