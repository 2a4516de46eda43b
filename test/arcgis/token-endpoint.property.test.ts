// Property-based tests of the configured URL → generateToken endpoint mapping.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenEndpointFor } from '../../lambda/arcgis/token-endpoint.js';

const RUNS = { numRuns: 200 };
const RESERVED = new Set(['sharing', 'rest', 'tokens', 'generatetoken']);

const originArb = fc.domain().map((host) => `https://${host}`).filter((origin) => URL.canParse(origin) && !/(^|\.)arcgis\.com$/i.test(new URL(origin).hostname));
const segmentArb = fc.stringMatching(/^[A-Za-z0-9_.~-]{1,12}$/).filter((s) => !RESERVED.has(s.toLowerCase()) && s !== '.' && s !== '..');
/** The web adaptor part (`/portal`, `/arcgis`, `/gis/server`, or nothing). */
const prefixArb = fc.array(segmentArb, { maxLength: 2 }).map((segments) => segments.map((s) => `/${s}`).join(''));
const tailArb = fc
  .tuple(fc.array(segmentArb, { maxLength: 4 }), fc.boolean(), fc.option(fc.constantFrom('?f=json', '?f=pjson&token=x', '#top'), { nil: '' }))
  .map(([segments, slash, extra]) => `${segments.map((s) => `/${s}`).join('')}${slash ? '/' : ''}${extra}`);

/** Any https URL whose path mixes ordinary segments with the ones the mapping looks for, in any case. */
const anyUrlArb = fc
  .tuple(
    fc.oneof(originArb, fc.constantFrom('https://www.arcgis.com', 'https://myorg.maps.arcgis.com')),
    fc.array(fc.oneof(segmentArb, fc.constantFrom('sharing', 'rest', 'tokens', 'generateToken', 'portal', 'arcgis', 'services', 'admin').chain((s) => fc.mixedCase(fc.constant(s)))), { maxLength: 6 }),
    tailArb,
  )
  .map(([origin, segments, tail]) => `${origin}${segments.map((s) => `/${s}`).join('')}${tail}`);

describe('tokenEndpointFor (properties)', () => {
  it('any portal URL at or under …/sharing (e.g. …/sharing/rest/portals/self) maps to that portal\'s …/sharing/rest/generateToken', () => {
    fc.assert(
      fc.property(originArb, prefixArb, fc.constantFrom('/sharing', '/sharing/rest', '/Sharing/Rest'), tailArb, (origin, prefix, sharing, tail) => {
        expect(tokenEndpointFor(`${origin}${prefix}${sharing}${tail}`)).toBe(`${new URL(origin).origin}${prefix}/sharing/rest/generateToken`);
      }),
      RUNS,
    );
  });

  it('any server URL under …/rest/ maps to the site root\'s …/tokens/generateToken', () => {
    fc.assert(
      fc.property(originArb, prefixArb, tailArb, (origin, prefix, tail) => {
        expect(tokenEndpointFor(`${origin}${prefix}/rest${tail}`, 'server')).toBe(`${new URL(origin).origin}${prefix}/tokens/generateToken`);
      }),
      RUNS,
    );
  });

  it('the result is a generateToken URL on the same origin, without query or fragment, and maps to itself', () => {
    fc.assert(
      fc.property(anyUrlArb, fc.constantFrom(undefined, 'portal', 'server'), (configured, kind) => {
        const endpoint = tokenEndpointFor(configured, kind);
        const url = new URL(endpoint);
        expect(url.origin).toBe(new URL(configured).origin);
        expect(url.search).toBe('');
        expect(url.hash).toBe('');
        expect(url.pathname).toMatch(/\/generatetoken$/i);
        expect(tokenEndpointFor(endpoint, kind)).toBe(endpoint);
      }),
      RUNS,
    );
  });
});
