import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../lambda/adapters/memory-token-store.js';
import { MemoryLoginCoordinator } from '../../lambda/service/memory-login-coordinator.js';
import { StaticCredentialSource } from '../../lambda/adapters/static-credentials.js';
import { parseServiceConfig } from '../../lambda/domain/config/parse-config.js';
import { wire } from '../../lambda/handlers/composition.js';
import { CapturingLog, FakeClock, FakeIssuer } from '../service/fakes.js';

describe('wire', () => {
  it('warns at start-up for every requestip target, naming it, and for no other', () => {
    const log = new CapturingLog();
    const config = parseServiceConfig(
      {
        targets: [
          { name: 'self', url: 'https://gis.example.com/arcgis', client: 'requestip', secretId: 's' },
          { name: 'apps', url: 'https://gis.example.com/portal', referer: 'https://apps.example.com', secretId: 's' },
        ],
      },
      'test',
    );
    wire(config, { store: new MemoryTokenStore(), coordinator: new MemoryLoginCoordinator(), credentials: new StaticCredentialSource(new Map()), issuer: new FakeIssuer(new FakeClock()), log });
    expect(log.lines).toEqual([
      {
        level: 'warn',
        message: "client requestip binds tokens to the address that asks ArcGIS for them: this function's own egress address. Apps that receive them cannot use them unless they share that egress; prefer referer, ip or caller-ip.",
        fields: { target: 'self' },
      },
    ]);
  });
});
