// The processes that stand for cold containers get Lambda's variables and nothing from this
// machine's shell, and the wrapper's report is read back exactly.
import { describe, expect, it } from 'vitest';
import { endpointEnvironment, signingAccessKey } from '../../bench/fake-aws.js';
import { lambdaEnvironment, parseWrapperResult, RESULT_MARK } from '../../bench/lambda-process.js';

describe('lambdaEnvironment', () => {
  it('holds only Lambda\'s variables, the credentials, the endpoints and the CA it is given', () => {
    const env = lambdaEnvironment({ endpoints: [{ env: 'AWS_ENDPOINT_URL_SSM', url: 'https://127.0.0.1:4443' }], caBundlePath: '/tmp/ca-bundle.pem', accessKeyId: 'AKIDONE' });
    expect(Object.keys(env).sort()).toEqual([
      'AWS_ACCESS_KEY_ID',
      'AWS_DEFAULT_REGION',
      'AWS_ENDPOINT_URL_SSM',
      'AWS_EXECUTION_ENV',
      'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
      'AWS_LAMBDA_FUNCTION_NAME',
      'AWS_LAMBDA_FUNCTION_VERSION',
      'AWS_LAMBDA_INITIALIZATION_TYPE',
      'AWS_REGION',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_SESSION_TOKEN',
      'LANG',
      'NODE_EXTRA_CA_CERTS',
      'PATH',
      'TZ',
    ]);
    expect([env.NODE_EXTRA_CA_CERTS, env.AWS_ACCESS_KEY_ID, env.AWS_EXECUTION_ENV]).toEqual(['/tmp/ca-bundle.pem', 'AKIDONE', 'AWS_Lambda_nodejs24.x']);
  });

  it('never passes on this shell\'s NODE_EXTRA_CA_CERTS (Node 20 would load that bundle at start-up)', () => {
    const saved = process.env.NODE_EXTRA_CA_CERTS;
    process.env.NODE_EXTRA_CA_CERTS = '/etc/ssl/certs/ca-certificates.crt';
    try {
      expect('NODE_EXTRA_CA_CERTS' in lambdaEnvironment({ endpoints: [] })).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NODE_EXTRA_CA_CERTS;
      else process.env.NODE_EXTRA_CA_CERTS = saved;
    }
  });
});

describe('parseWrapperResult', () => {
  it('reads the result line and counts the function\'s own log bytes around it', () => {
    const log = '{"level":"INFO","message":"cold"}';
    const stdout = `${log}\n\n${RESULT_MARK}{"statusCode":200,"body":"{}","bootMs":20.5,"importMs":50,"requestMs":30}\n`;
    expect(parseWrapperResult(stdout)).toEqual({ statusCode: 200, body: '{}', bootMs: 20.5, importMs: 50, requestMs: 30, logBytes: log.length });
  });

  it('says what it got when there is no result line', () => {
    expect(() => parseWrapperResult('Error: boom')).toThrow('no BENCH_RESULT line in the process output: Error: boom');
  });
});

describe('the stand-in endpoints', () => {
  it('become one variable each, and calls are told apart by the signing key', () => {
    expect(endpointEnvironment([{ env: 'AWS_ENDPOINT_URL_SSM', url: 'https://127.0.0.1:1' }, { env: 'AWS_ENDPOINT_URL_SECRETS_MANAGER', url: 'https://127.0.0.1:1' }])).toEqual({
      AWS_ENDPOINT_URL_SSM: 'https://127.0.0.1:1',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: 'https://127.0.0.1:1',
    });
    expect(signingAccessKey('AWS4-HMAC-SHA256 Credential=AKIDFLEET0003/20261201/eu-west-1/ssm/aws4_request, SignedHeaders=host, Signature=ab')).toBe('AKIDFLEET0003');
    expect(signingAccessKey('')).toBe('');
  });
});
