// `npm start`: the API on http://127.0.0.1:${PORT:-3000} with in-memory stand-ins for Secrets
// Manager and SSM. Without ARCGIS_URL it also starts the built-in ArcGIS simulator, so a fresh
// clone answers `curl localhost:3000/token` with no AWS account and no ArcGIS site.
import type { AddressInfo } from 'node:net';
import { ArcGisTokenIssuer } from '../arcgis/arcgis-token-issuer.js';
import { MemoryTokenStore } from '../adapters/memory-token-store.js';
import { StaticCredentialSource } from '../adapters/static-credentials.js';
import { createPowertoolsLog } from '../handlers/powertools-log.js';
import { wire } from '../handlers/wiring.js';
import { tokenEndpointFor } from '../arcgis/token-endpoint.js';
import { TokenVendingError, describeError } from '../errors.js';
import { startArcGisSimulator, DEFAULT_SIMULATOR_USER, type ArcGisSimulator } from './arcgis-simulator.js';
import { createLocalServer } from './http-server.js';
import { LOCAL_SECRET_ID, localSettings } from './local-config.js';

async function main(): Promise<void> {
  let simulator: ArcGisSimulator | undefined;
  if (process.env.ARCGIS_URL === undefined) simulator = await startArcGisSimulator();

  let settings;
  try {
    settings = localSettings(process.env, simulator && { url: simulator.portalUrl, credentials: DEFAULT_SIMULATOR_USER });
  } catch (error) {
    await simulator?.close();
    throw error;
  }

  const log = createPowertoolsLog();
  const app = wire(settings.config, {
    store: new MemoryTokenStore(),
    credentials: new StaticCredentialSource(new Map([[LOCAL_SECRET_ID, settings.credentials]])),
    issuer: new ArcGisTokenIssuer({ timeoutMs: settings.config.requestTimeoutMs }),
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

  const target = settings.config.targets[0]!;
  const lines = [
    `arcgis-token-vending listening on ${base}`,
    `  target "${target.name}": ${tokenEndpointFor(target.url)} (client ${target.client}${target.referer ? `, referer ${target.referer}` : ''}${target.ip ? `, ip ${target.ip}` : ''}, ${target.expirationMinutes} min)`,
    simulator
      ? `  ArcGIS: built-in simulator at ${simulator.url} (user "${DEFAULT_SIMULATOR_USER.username}"); set ARCGIS_URL, ARCGIS_USERNAME and ARCGIS_PASSWORD to use a real site`
      : `  ArcGIS: ${target.url} as user "${settings.credentials.username}"`,
    `  try: curl ${base}/token`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

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

main().catch((error: unknown) => {
  const message = error instanceof TokenVendingError ? error.message : describeError(error);
  process.stderr.write(`arcgis-token-vending could not start:\n${message}\n`);
  process.exit(1);
});
