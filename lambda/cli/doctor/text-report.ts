// doctor's human report, printed as the checks run: the header (site, credentials: never the
// secret), each check's title, its requests (recording-fetch's safe form) and its findings with
// their cause and fix, then the result with the configuration to deploy.
import type { DeployAdvice } from './deploy-advice.js';
import type { Check, Diagnosis, DoctorListener, DoctorOptions, Finding, Verdict } from './findings.js';
import type { PromptOutput } from '../prompt.js';
import type { RecordedExchange } from './recording-fetch.js';

const SYMBOL: Record<Verdict, string> = { ok: '✓', warn: '!', fail: '✗', skip: '–' };

/** For --json: nothing is printed until the end. */
export const SILENT: DoctorListener = { checkStarted: () => {}, request: () => {}, checkDone: () => {} };

/** The human report, printed as the checks run. */
export class TextReport implements DoctorListener {
  constructor(private readonly out: PromptOutput) {}

  header(options: DoctorOptions, secretSource: string): void {
    const who = options.credentials.kind === 'user' ? `user "${options.credentials.username}" (password from ${secretSource}, never shown)` : `app "${options.credentials.clientId}" (client secret from ${secretSource}, never shown)`;
    this.out.write(
      [
        'arcgis-token-vending doctor',
        `  site:        ${options.url}`,
        `  credentials: ${who}`,
        `  referer:     ${options.referer}${options.refererGiven ? '' : ' (default: give --referer with the URL your apps send)'}`,
        ...(options.ip !== undefined ? [`  ip:          ${options.ip}`] : []),
        ...(options.serviceUrl !== undefined ? [`  service:     ${options.serviceUrl}`] : []),
        ...(options.portalUrl !== undefined ? [`  portal:      ${options.portalUrl}`] : []),
        ...((options.allowedOrigins ?? []).length > 0 ? [`  also to:     ${options.allowedOrigins!.join(', ')}`] : []),
        '',
      ].join('\n'),
    );
  }

  checkStarted(step: number, title: string): void {
    this.out.write(`\n${step}. ${title}\n`);
  }

  request(exchange: RecordedExchange): void {
    const sent = Object.entries(exchange.sent).map(([name, value]) => `${name}=${value}`);
    const headers = Object.entries(exchange.headers).map(([name, value]) => `[${name}: ${value}]`);
    this.out.write(`  → ${exchange.method} ${exchange.url}${[...sent, ...headers].map((part) => ` ${part}`).join('')}\n    ← ${exchange.answer}\n`);
  }

  checkDone(check: Check): void {
    this.out.write(check.findings.map(findingLines).join(''));
  }

  result(diagnosis: Diagnosis, advice: DeployAdvice | undefined): void {
    if (advice === undefined || diagnosis.working === null) {
      this.out.write('\nResult: ✗ no working configuration: fix the ✗ findings above, then run doctor again.\n');
      return;
    }
    const w = diagnosis.working;
    this.out.write(
      [
        '',
        `Result: ✓ working configuration: ${w.appCredentials ? 'app credentials' : `client=${w.client}`}, ${w.site.description}`,
        '',
        'Target configuration (the service configuration\'s targets[] entry, lambda/domain/config/schema.ts):',
        JSON.stringify(advice.configuration, null, 2),
        '',
        'Deploy:',
        `  ${advice.deployCommand}`,
        '',
        'Notes:',
        ...advice.notes.map((note) => `  - ${note}`),
        '',
      ].join('\n'),
    );
  }
}

function findingLines(finding: Finding): string {
  return [`  ${SYMBOL[finding.verdict]} ${finding.summary}\n`, finding.cause ? `    cause: ${finding.cause}\n` : '', finding.fix ? `    fix: ${finding.fix}\n` : ''].join('');
}
