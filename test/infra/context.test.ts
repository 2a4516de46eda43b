import { App } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { stackPropsFromContext } from '../../infra/context.js';

/** `cdk synth -c key=value` hands every value over as a string. */
function propsFor(context: Record<string, string>) {
  return stackPropsFromContext(new App({ context }));
}

describe('stackPropsFromContext', () => {
  it('defaults to ArcGIS Online, target "default", referer client and stack ArcGisTokenVending', () => {
    expect(propsFor({ referer: 'https://apps.example.com' })).toEqual({
      stackName: 'ArcGisTokenVending',
      target: { name: 'default', url: 'https://www.arcgis.com', client: 'referer', referer: 'https://apps.example.com' },
    });
  });

  it('reads every key, parsing numbers and the log retention from strings', () => {
    expect(
      propsFor({
        arcgisUrl: 'https://gis.example.com/portal',
        targetName: 'enterprise',
        client: 'ip',
        ip: '203.0.113.7',
        expirationMinutes: '120',
        secretName: 'prod/arcgis',
        scheduleMinutes: '5',
        logRetentionDays: '90',
        parameterPrefix: '/prod/tokens',
        stackName: 'TokensProd',
      }),
    ).toEqual({
      stackName: 'TokensProd',
      target: { name: 'enterprise', url: 'https://gis.example.com/portal', client: 'ip', ip: '203.0.113.7', expirationMinutes: 120 },
      secretName: 'prod/arcgis',
      scheduleMinutes: 5,
      logRetention: RetentionDays.THREE_MONTHS,
      parameterPrefix: '/prod/tokens',
    });
  });

  it('accepts numbers given as JSON numbers in cdk.json', () => {
    const props = stackPropsFromContext(new App({ context: { referer: 'https://apps.example.com', scheduleMinutes: 10 } }));
    expect(props.scheduleMinutes).toBe(10);
  });

  it('fails without a referer in referer mode and says how to give one', () => {
    expect(() => propsFor({})).toThrow(
      "Missing context 'referer': ArcGIS binds a referer token to the app that sends it. Give -c referer=https://your-app.example.com (the URL apps send as Referer) or choose -c client=ip -c ip=<address of the machine that uses the token>.",
    );
  });

  it('treats an empty referer as missing', () => {
    expect(() => propsFor({ referer: '  ' })).toThrow(/^Missing context 'referer'.*-c referer=/);
  });

  it('rejects a non-numeric scheduleMinutes naming the key', () => {
    expect(() => propsFor({ referer: 'https://apps.example.com', scheduleMinutes: 'often' })).toThrow(
      `Invalid context 'scheduleMinutes': expected a whole number, got "often" (e.g. -c scheduleMinutes=15).`,
    );
  });

  it('rejects a fractional expirationMinutes naming the key', () => {
    expect(() => propsFor({ referer: 'https://apps.example.com', expirationMinutes: '1.5' })).toThrow(
      /^Invalid context 'expirationMinutes': expected a whole number, got "1.5"/,
    );
  });

  it('rejects an unknown client mode listing the allowed ones', () => {
    expect(() => propsFor({ client: 'cookie' })).toThrow(`Invalid context 'client': "cookie"; use one of referer, ip, requestip.`);
  });

  it('rejects a log retention CloudWatch does not offer, listing the allowed values', () => {
    expect(() => propsFor({ referer: 'https://apps.example.com', logRetentionDays: '8' })).toThrow(
      "Invalid context 'logRetentionDays': 8 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 9999.",
    );
  });
});
