import { describe, expect, it } from 'vitest';
import type { Target } from '../../lambda/domain/config/schema.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { BadRequestError } from '../../lambda/domain/errors.js';
import { slotFor } from '../../lambda/service/slot.js';

const config = parseServiceConfig(
  {
    targets: [
      { name: 'main', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 'arcgis/main' },
      { name: 'ops', url: 'https://gis.example.com/arcgis', client: 'ip', ip: '203.0.113.7', secretId: 'arcgis/ops' },
      { name: 'callers', url: 'https://gis.example.com/portal', client: 'caller-ip', secretId: 'arcgis/callers' },
    ],
  },
  'test',
);
const target = (name: string): Target => config.targets.find((t) => t.name === name)!;
const main = target('main');
const ops = target('ops');
const callers = target('callers');

const unknownAddress =
  'Target "callers" binds tokens to the caller\'s IP address (client caller-ip), and this request\'s address is unknown or not an IP address.';

describe('slotFor', () => {
  it('gives a referer target one slot named after it, whatever the caller address', () => {
    expect(slotFor(main)).toEqual({ target: main, key: 'main' });
    expect(slotFor(main, '198.51.100.4')).toEqual({ target: main, key: 'main' });
  });

  it('gives an ip target one slot too: its token is bound to the configured address, not the caller', () => {
    const slot = slotFor(ops, '198.51.100.4');
    expect(slot).toEqual({ target: ops, key: 'ops' });
    expect(Object.keys(slot)).toEqual(['target', 'key']);
  });

  it('keys a caller-ip slot by the IPv4 caller, dots kept (SSM allows them)', () => {
    expect(slotFor(callers, '198.51.100.4')).toEqual({ target: callers, key: 'callers/ip-198.51.100.4', callerIp: '198.51.100.4', caller: '198.51.100.4' });
  });

  it('reads an IPv4 caller seen by an IPv6 socket (::ffff:) as the IPv4 address, in either case', () => {
    const plain = slotFor(callers, '198.51.100.4');
    expect(slotFor(callers, '::ffff:198.51.100.4')).toEqual(plain);
    expect(slotFor(callers, '::FFFF:198.51.100.4')).toEqual(plain);
  });

  it('trims white space around the address', () => {
    expect(slotFor(callers, ' 198.51.100.4\n').key).toBe('callers/ip-198.51.100.4');
  });

  it('groups IPv6 callers by their /64 and binds the token to the full address', () => {
    const first = slotFor(callers, '2001:db8:1:2:aaaa::1');
    const second = slotFor(callers, '2001:db8:1:2:bbbb:cccc:dddd:eeee');
    expect(first).toEqual({ target: callers, key: 'callers/ip-2001_db8_1_2___64', callerIp: '2001:db8:1:2:aaaa::1', caller: '2001:db8:1:2::/64' });
    expect(second.key).toBe(first.key);
    expect(second.caller).toBe('2001:db8:1:2::/64');
    expect(second.callerIp).toBe('2001:db8:1:2:bbbb:cccc:dddd:eeee');
  });

  it('gives a neighbouring /64 its own slot', () => {
    expect(slotFor(callers, '2001:db8:1:3::1')).toMatchObject({ key: 'callers/ip-2001_db8_1_3___64', caller: '2001:db8:1:3::/64' });
  });

  it('writes one /64 one way: upper case, leading zeros and "::" inside the prefix give the same slot', () => {
    const canonical = slotFor(callers, '2001:db8:0:2::1');
    expect(canonical.caller).toBe('2001:db8:0:2::/64');
    expect(slotFor(callers, '2001:0DB8:0000:0002:0:0:0:9').key).toBe(canonical.key);
    expect(slotFor(callers, '2001:db8::2:0:0:0:9').key).toBe(canonical.key);
    expect(slotFor(callers, '2001:DB8:0:2::1').callerIp).toBe('2001:db8:0:2::1');
  });

  it('groups the IPv6 loopback under the all-zero /64', () => {
    expect(slotFor(callers, '::1')).toMatchObject({ key: 'callers/ip-0_0_0_0___64', caller: '0:0:0:0::/64', callerIp: '::1' });
  });

  it.each([
    ['no address', undefined],
    ['an empty address', ''],
    ['a host name', 'apps.example.com'],
    ['an address with a port', '198.51.100.4:443'],
    ['an IPv4 address out of range', '198.51.100.256'],
  ])('refuses a caller-ip request with %s, naming the target and the cause', (_case, ip) => {
    expect(() => slotFor(callers, ip)).toThrow(BadRequestError);
    expect(() => slotFor(callers, ip)).toThrow(unknownAddress);
  });
});
