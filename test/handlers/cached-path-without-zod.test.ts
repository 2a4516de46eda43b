// zod's first schema in a process pays for compiling zod itself, so a cold container that answers
// from the token store builds and runs none (domain/config/lazy-schema.ts): its configuration and the
// token record take the checks beside their schemas. Every zod/mini function is counted here; a
// bad query string, which the schema must word, shows the count works.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { startArcGisSimulator, type ArcGisSimulator } from '../../lambda/local/arcgis-simulator.js';
import { FAKE } from '../fixtures/arcgis-payloads.js';
import { captureOutput } from './output-capture.js';
import { call, configFor, loadHandler, resetAwsMocks, ssm, tokenWrites, unloadConfig } from './lambda-harness.js';

const zodCalls = vi.hoisted(() => [] as string[]);

vi.mock('zod/mini', async (importOriginal) => {
  const zod = await importOriginal<Record<string, unknown>>();
  // Every function but config (zod-locale.ts sets the English messages once, at import), counted
  // when called; classes and namespaces as they are.
  return Object.fromEntries(
    Object.entries(zod).map(([name, value]) => [
      name,
      typeof value === 'function' && name !== 'config' && !/^[A-Z$]/.test(name)
        ? new Proxy(value, {
            apply(target, self, args) {
              zodCalls.push(name);
              return Reflect.apply(target, self, args);
            },
          })
        : value,
    ]),
  );
});

let sim: ArcGisSimulator;

beforeAll(async () => {
  sim = await startArcGisSimulator({ users: [FAKE] });
});
afterAll(async () => {
  await sim.close();
  await unloadConfig();
});
beforeEach(async () => {
  await resetAwsMocks();
});

describe('a cold cached request', () => {
  it('builds and runs no zod schema: the configuration and the stored token are read by the checks beside their schemas', async () => {
    const output = captureOutput();
    try {
      // A token written by a first container, which logged in (and used zod for ArcGIS's answer)…
      await call(await loadHandler(configFor(sim)));
      expect(zodCalls.length).toBeGreaterThan(0);
      ssm.on(GetParameterCommand, { Name: '/arcgis-token-vending/portal/token' }).resolves({ Parameter: { Value: tokenWrites()[0]!.Value! } });
      // …then a new container, loaded afresh, serves it.
      zodCalls.length = 0;
      const fresh = await loadHandler(configFor(sim));
      const answer = await call(fresh);
      expect({ status: answer.statusCode, source: answer.json.source }).toEqual({ status: 200, source: 'cache' });
      expect(zodCalls).toEqual([]);
      // The query schema is built when a query needs it, and words the refusal as before.
      const bad = await call(fresh, { query: { minValidity: ['soon'] } });
      expect(bad.json.detail).toBe('Bad query string: minValidity must be a whole number of seconds, e.g. minValidity=600.');
      expect(zodCalls.length).toBeGreaterThan(0);
    } finally {
      output.restore();
    }
  });
});
