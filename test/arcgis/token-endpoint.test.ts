import { describe, expect, it } from 'vitest';
import { inferSiteKind, tokenEndpointFor } from '../../lambda/arcgis/token-endpoint.js';

describe('tokenEndpointFor', () => {
  it.each([
    ['https://gis.example.com/portal', 'https://gis.example.com/portal/sharing/rest/generateToken'],
    ['https://gis.example.com/portal/', 'https://gis.example.com/portal/sharing/rest/generateToken'],
    ['https://gis.example.com/portal/home/', 'https://gis.example.com/portal/home/tokens/generateToken'],
    ['https://gis.example.com/portal/sharing/rest', 'https://gis.example.com/portal/sharing/rest/generateToken'],
    ['https://gis.example.com/portal/sharing', 'https://gis.example.com/portal/sharing/rest/generateToken'],
    ['https://gis.example.com/portal/sharing/generateToken', 'https://gis.example.com/portal/sharing/generateToken'],
    ['https://www.arcgis.com', 'https://www.arcgis.com/sharing/rest/generateToken'],
    ['https://myorg.maps.arcgis.com/', 'https://myorg.maps.arcgis.com/sharing/rest/generateToken'],
    ['https://gis.example.com/arcgis', 'https://gis.example.com/arcgis/tokens/generateToken'],
    ['https://gis.example.com/gisweb2/tokens/', 'https://gis.example.com/gisweb2/tokens/generateToken'],
    ['https://gis.example.com/server/tokens/generateToken', 'https://gis.example.com/server/tokens/generateToken'],
    ['https://gis.example.com/arcgis/rest/services/Roads/FeatureServer/0?f=json', 'https://gis.example.com/arcgis/tokens/generateToken'],
    ['https://gis.example.com/arcgis/rest/info#x', 'https://gis.example.com/arcgis/tokens/generateToken'],
  ])('%s → %s', (configured, expected) => {
    expect(tokenEndpointFor(configured)).toBe(expected);
  });

  it('lets an explicit kind override the inference', () => {
    expect(tokenEndpointFor('https://gis.example.com/gis', 'portal')).toBe('https://gis.example.com/gis/sharing/rest/generateToken');
  });

  it('infers portal for arcgis.com hosts and /sharing paths, server otherwise', () => {
    expect(inferSiteKind(new URL('https://www.arcgis.com'))).toBe('portal');
    expect(inferSiteKind(new URL('https://h/p/sharing/rest'))).toBe('portal');
    expect(inferSiteKind(new URL('https://h/server'))).toBe('server');
  });
});
