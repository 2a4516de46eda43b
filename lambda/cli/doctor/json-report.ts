// doctor --json: the whole run as one document (what was asked, every check with its requests and
// findings, the client modes, and the configuration to deploy), printed once the run has ended.
import type { DeployAdvice } from './deploy-advice.js';
import type { Diagnosis, DoctorOptions } from './findings.js';

export function jsonReport(options: DoctorOptions, diagnosis: Diagnosis, advice: DeployAdvice | undefined): Record<string, unknown> {
  return {
    ok: advice !== undefined,
    url: options.url,
    credentials: options.credentials.kind === 'user' ? { kind: 'user', username: options.credentials.username } : { kind: 'app', clientId: options.credentials.clientId },
    referer: options.referer,
    refererGiven: options.refererGiven,
    ...(options.ip !== undefined ? { ip: options.ip } : {}),
    ...(options.serviceUrl !== undefined ? { serviceUrl: options.serviceUrl } : {}),
    ...(options.portalUrl !== undefined ? { portalUrl: options.portalUrl } : {}),
    ...((options.allowedOrigins ?? []).length > 0 ? { allowedOrigins: options.allowedOrigins } : {}),
    site: diagnosis.site,
    checks: diagnosis.checks,
    clientModes: diagnosis.clientModes,
    requestedExpirationMinutes: diagnosis.requestedMinutes,
    longestExpirationMinutes: diagnosis.longestExpirationMinutes,
    configuration: advice?.configuration ?? null,
    deployCommand: advice?.deployCommand ?? null,
    notes: advice?.notes ?? [],
  };
}
