// N concurrent requests against a cold container (fresh wiring, empty SSM) with ArcGIS answering
// after 200 ms: how many logins, SSM and Secrets Manager calls it causes, and how completion
// times spread.
import { startArcGisSimulator } from '../lambda/local/arcgis-simulator.js';
import { apiEvent } from '../test/handlers/events.js';
import { awsWiring, benchConfig, FAKE_LOGIN, SECRET_ID, SILENT } from './aws-wiring.js';
import { startFakeAws } from './fake-aws.js';
import { round, summarize } from './stats.js';

export interface StormResult {
  concurrency: number;
  ok: number;
  arcgisLogins: number;
  ssmGetParameter: number;
  ssmPutParameter: number;
  secretsManagerReads: number;
  completionMs: { min: number; p50: number; p99: number; max: number };
}

export async function storm(concurrency: number): Promise<StormResult> {
  const sim = await startArcGisSimulator();
  sim.setLatency(200);
  const aws = await startFakeAws();
  aws.secrets.set(SECRET_ID, JSON.stringify(FAKE_LOGIN));
  try {
    const app = awsWiring(benchConfig(sim.portalUrl), aws.url, SILENT);
    const event = apiEvent();
    const started = performance.now();
    const done: number[] = [];
    const answers = await Promise.all(
      Array.from({ length: concurrency }, async () => {
        const answer = await app.apiGateway(event);
        done.push(performance.now() - started);
        return answer;
      }),
    );
    const times = summarize(done);
    return {
      concurrency,
      ok: answers.filter((a) => a.statusCode === 200).length,
      arcgisLogins: sim.loginCount(),
      ssmGetParameter: aws.calls.GetParameter ?? 0,
      ssmPutParameter: aws.calls.PutParameter ?? 0,
      secretsManagerReads: aws.calls.GetSecretValue ?? 0,
      completionMs: { min: round(times.min, 1), p50: round(times.p50, 1), p99: round(times.p99, 1), max: round(times.max, 1) },
    };
  } finally {
    await sim.close();
    await aws.close();
  }
}
