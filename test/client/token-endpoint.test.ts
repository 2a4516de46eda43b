import { describe, expect, it } from 'vitest';
import { regionFromApiUrl, tokenEndpoint, tokenUrl } from '../../lambda/client/token-endpoint.js';

describe('regionFromApiUrl', () => {
  it.each([
    ['https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/token', 'eu-west-1'],
    ['https://abc123defg-vpce-0123456789abcdef0.execute-api.us-gov-west-1.amazonaws.com/v1', 'us-gov-west-1'],
    ['https://vpce-0123456789abcdef0-abcdefgh.execute-api.ap-southeast-2.vpce.amazonaws.com/v1', 'ap-southeast-2'],
    ['https://abc123defg.execute-api.cn-north-1.amazonaws.com.cn/v1', 'cn-north-1'],
    ['https://tokens.example.com/v1/token', undefined],
    ['http://127.0.0.1:3000/token', undefined],
  ])('reads %s as %s', (url, region) => {
    expect(regionFromApiUrl(new URL(url))).toBe(region);
  });
});

describe('tokenUrl', () => {
  it('appends the target and minValidity to the ApiUrl output', () => {
    const endpoint = tokenEndpoint('https://abc.execute-api.eu-west-1.amazonaws.com/v1/token');
    expect(tokenUrl(endpoint, 'maps', 600).href).toBe('https://abc.execute-api.eu-west-1.amazonaws.com/v1/token/maps?minValidity=600');
  });

  it('accepts the local server root', () => {
    expect(tokenUrl(tokenEndpoint('http://localhost:3000'), undefined, 0).href).toBe('http://localhost:3000/token?minValidity=0');
  });
});
