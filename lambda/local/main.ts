// `npm start`: the API on http://127.0.0.1:${PORT:-3000} with in-memory stand-ins for Secrets
// Manager and SSM. Without ARCGIS_URL it also starts the built-in ArcGIS simulator, so a fresh
// clone answers `curl localhost:3000/token` with no AWS account and no ArcGIS site.
import type { AddressInfo } from 'node:net';
import { MemoryTokenStore } from '../adapters/memory-token-store.js';
import { MemoryLoginCoordinator } from '../service/memory-login-coordinator.js';
import { createPowertoolsLog } from '../adapters/powertools-log.js';
import { wire } from '../handlers/composition.js';
import { issuerFor } from '../handlers/login-adapters.js';
import { TokenVendingError, describeError } from '../domain/errors.js';
import { startArcGisSimulator, DEFAULT_SIMULATOR_USER, type ArcGisSimulator } from './arcgis-simulator.js';
import { createLocalServer } from './http-server.js';
import { isLoopback, localSettings } from './local-config.js';
import { credentialIdentity, type Credentials } from '../domain/ports.js';

async function main(): Promise<void> {
  let simulator: ArcGisSimulator | undefined;
  if (process.env.ARCGIS_URL === undefined && process.env.TARGETS_FILE === undefined) simulator = await startArcGisSimulator();

  let settings;
  try {
    settings = await localSettings(process.env, simulator && { url: simulator.portalUrl, credentials: DEFAULT_SIMULATOR_USER });
  } catch (error) {
    await simulator?.close();
    throw error;
  }

  const log = createPowertoolsLog();
  const app = wire(settings.config, {
    store: new MemoryTokenStore(),
    coordinator: new MemoryLoginCoordinator(),
    credentials: settings.credentials,
    issuer: issuerFor(settings.config, log),
    log,
  });
  const server = createLocalServer(app.apiGateway);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, resolve);
  });
  const base = `http://${settings.host}:${(server.address() as AddressInfo).port}`;

  // The schedule's job, done in-process: keep the token warm as the EventBridge rule does in AWS.
  const refresh = setInterval(() => {
    app.schedule().catch(() => undefined); // failures are logged by the schedule handler
  }, settings.config.scheduleIntervalMinutes * 60_000);
  refresh.unref();

  const lines = [
    `arcgis-token-vending listening on ${base}`,
    ...settings.config.targets.map(
      (t) =>
        `  target "${t.name}"${t.name === settings.config.defaultTarget ? ' (default)' : ''}: ${t.url}${t.kind ? ` (kind ${t.kind})` : ''} (client ${t.client}${t.referer ? `, referer ${t.referer}` : ''}${t.ip ? `, ip ${t.ip}` : ''}, ${t.expirationMinutes} min) as ${describeIdentity(settings.secrets.get(t.secretId))}`,
    ),
    simulator
      ? `  ArcGIS: built-in simulator at ${simulator.url}; set ARCGIS_URL (or TARGETS_FILE) to use a real site`
      : `  ArcGIS: the site(s) above`,
    `  try: curl ${base}/token`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (!isLoopback(settings.host)) {
    process.stderr.write(
      `WARNING: HOST=${settings.host} serves the local API beyond this machine, and it has no authentication: anyone who can reach ${base} gets ArcGIS tokens for the targets above. ` +
        'Use HOST=127.0.0.1 (the default) unless that is intended; deployed, API Gateway requires IAM-signed requests instead.\n',
    );
  }

  const stop = () => {
    clearInterval(refresh);
    server.close();
    server.closeAllConnections();
    void simulator?.close().finally(() => process.exit(0));
    if (!simulator) process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function describeIdentity(credentials: Credentials | undefined): string {
  if (credentials === undefined) return 'nobody';
  const identity = credentialIdentity(credentials);
  return identity.startsWith('user:') ? `user "${identity.slice(5)}"` : identity.startsWith('app:') ? `app "${identity.slice(4)}"` : 'a manual token';
}

main().catch((error: unknown) => {
  const message = error instanceof TokenVendingError ? error.message : describeError(error);
  process.stderr.write(`arcgis-token-vending could not start:\n${message}\n`);
  process.exit(1);
});
