// Origins compared after URL parsing, and the one built-in allowance: ArcGIS Online's own sign-in.
import { describe, expect, it } from 'vitest';
import { ARCGIS_ONLINE_ORIGIN, allowedOrigins, originOf } from '../../lambda/arcgis/origins.js';

describe('originOf', () => {
  it.each([
    ['HTTPS://GIS.Example.com/portal', 'https://gis.example.com'],
    [' https://gis.example.com:443/x', 'https://gis.example.com'],
    ['Http://gis.example.com:80/', 'http://gis.example.com'],
    ['https://gis.example.com:6443/arcgis/tokens/', 'https://gis.example.com:6443'],
  ])('%j → %s', (url, origin) => {
    expect(originOf(url)).toBe(origin);
  });

  it('is undefined for a relative or non-network URL', () => {
    expect([originOf('/arcgis/tokens/'), originOf('javascript:alert(1)')]).toEqual([undefined, undefined]);
  });
});

describe('allowedOrigins', () => {
  it('allows the url\'s origin, the portalUrl\'s and the listed ones, and nothing else', () => {
    const allowed = allowedOrigins('https://gis.example.com/server', { portalUrl: 'https://portal.example.com/portal', allowedOrigins: ['https://internal.example.com:6443'] });
    expect(allowed.all).toEqual(['https://gis.example.com', 'https://portal.example.com', 'https://internal.example.com:6443']);
    expect(['https://GIS.example.com:443/a', 'https://portal.example.com/x', 'https://internal.example.com:6443/arcgis/tokens/'].map(allowed.has)).toEqual([true, true, true]);
    expect(['http://gis.example.com/a', 'https://gis.example.com:8443/a', 'https://gis.example.com.evil.test/a', 'https://internal.example.com/a'].map(allowed.has)).toEqual([false, false, false, false]);
  });

  it('lets a target on an ArcGIS Online host use www.arcgis.com, which its hosted servers name as their token service', () => {
    expect(allowedOrigins('https://services3.arcgis.com/abc/arcgis/rest/services/X/FeatureServer').has(`${ARCGIS_ONLINE_ORIGIN}/sharing/rest/generateToken`)).toBe(true);
    expect(allowedOrigins('https://gis.example.com/server').has(`${ARCGIS_ONLINE_ORIGIN}/sharing/rest/generateToken`)).toBe(false);
    // Not for a look-alike host, nor over plain http.
    expect(allowedOrigins('https://arcgis.com.evil.test/server').has(`${ARCGIS_ONLINE_ORIGIN}/sharing/rest/generateToken`)).toBe(false);
    expect(allowedOrigins('http://services3.arcgis.com/abc/arcgis').has(`${ARCGIS_ONLINE_ORIGIN}/sharing/rest/generateToken`)).toBe(false);
  });
});
