// readTargetState (the SSM adapter's read of a stored record) answers as parseTargetState does: the
// record as written by the plain check, anything else by the schema, loaded only then.
import { describe, expect, it } from 'vitest';
import { readTargetState } from '../../lambda/domain/cached-token.js';
import { parseTargetState } from '../../lambda/domain/target-state-schema.js';

const token = { token: 'fake-token', expires: 1_900_000_000_000, ssl: true, issuedAt: 1_899_999_000_000, fingerprint: 'f', identity: 'i', binding: { client: 'referer', referer: 'https://apps.example.com' } };

describe('readTargetState', () => {
  it('gives what parseTargetState gives for a written record, a legacy one, an edited one and a foreign value', async () => {
    const inputs: unknown[] = [
      { version: 2, token },
      { version: 2 },
      // Written by a release before the login coordinator: only the schema reads it.
      { version: 2, token, loginFailure: { secretVersion: 'v1', at: 1, until: 2, code: 400, message: 'm', details: [], url: 'https://gis.example.com' } },
      { version: 2, token: { ...token, expires: -1 } },
      { version: 1, token },
      'not a record',
      undefined,
    ];
    const read = await Promise.all(inputs.map((input) => readTargetState(input)));
    expect(read).toStrictEqual(inputs.map((input) => parseTargetState(input)));
    expect(read.map((r) => (r === undefined ? 'refused' : Object.keys(r).join(',')))).toEqual(['version,token', 'version', 'version,token,loginFailure', 'refused', 'refused', 'refused', 'refused']);
  });
});
