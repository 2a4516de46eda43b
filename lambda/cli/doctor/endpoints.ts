// Doctor's second check: which token endpoints answer, probed without credentials (nothing can be
// locked): the one discovery chose, the other token paths under the site root, and the paths people
// guess on the host (the usual adaptor names). An ArcGIS JSON answer, even an error, proves a token
// endpoint; a 404 page proves there is none. A password is never sent to an endpoint that did not
// answer like one.
import { isArcGisOnlineHost, parseSiteUrl } from '../../arcgis/discovery.js';
import { DISCOVERED_ENDPOINT_SILENT } from '../../arcgis/hints.js';
import { postForm } from '../../arcgis/http.js';
import { parseJsonOrUndefined } from '../../domain/parse-json-or-undefined.js';
import type { Finding, SiteSummary } from './findings.js';
import type { DoctorRun } from './run.js';

const STANDARD_ADAPTORS: ReadonlyArray<[string, string]> = [
  ['arcgis', 'tokens/generateToken'],
  ['server', 'tokens/generateToken'],
  ['portal', 'sharing/rest/generateToken'],
];

/** Whether the endpoint discovery chose answered like a token endpoint. */
export function endpointsCheck(run: DoctorRun, site: SiteSummary, url: string): Promise<boolean> {
  return run.check('endpoints', 'Which token endpoints answer? (probed without credentials)', async () => {
    const found = await probeEndpoints(run, site, url);
    run.add(...found.findings);
    return found.discoveredAnswers;
  });
}

async function probeEndpoints(run: DoctorRun, site: SiteSummary, url: string): Promise<{ findings: Finding[]; discoveredAnswers: boolean }> {
  const root = site.serverUrl ?? parseSiteUrl(url).root;
  const origin = new URL(root).origin;
  const onArcGisOnline = isArcGisOnlineHost(new URL(root).hostname);
  const underRoot = [`${root}/tokens/generateToken`, `${root}/sharing/rest/generateToken`, `${root}/admin/generateToken`];
  const guesses = onArcGisOnline ? [] : STANDARD_ADAPTORS.map(([adaptor, path]) => `${origin}/${adaptor}/${path}`);
  const candidates = [...new Set([site.tokenUrl, ...(onArcGisOnline ? [] : underRoot), ...guesses].map((u) => u.toLowerCase()))].map(
    (lower) => [site.tokenUrl, ...underRoot, ...guesses].find((u) => u.toLowerCase() === lower)!,
  );

  const answering: string[] = [];
  const notFound: string[] = [];
  let discoveredAnswers = false;
  for (const candidate of candidates) {
    let exists = false;
    let status: number | undefined;
    try {
      const answer = await postForm(candidate, new URLSearchParams({ f: 'json' }), run.http);
      status = answer.status;
      exists = answer.status !== 404 && parseJsonOrUndefined(answer.body) !== undefined;
    } catch {
      exists = false; // a redirect, or no answer: recorded by the wrapper
    }
    if (exists) answering.push(candidate);
    else if (status === 404) notFound.push(candidate);
    if (candidate === site.tokenUrl) discoveredAnswers = exists;
  }

  const findings: Finding[] = [];
  if (!discoveredAnswers) {
    findings.push({
      verdict: 'fail',
      summary: `the token endpoint discovery found, ${site.tokenUrl}, does not answer with ArcGIS JSON`,
      cause: DISCOVERED_ENDPOINT_SILENT.cause,
      fix: DISCOVERED_ENDPOINT_SILENT.fix(site.tokenUrl),
    });
  } else {
    const others = answering.filter((u) => u !== site.tokenUrl);
    findings.push({ verdict: 'ok', summary: `${site.tokenUrl} answers (the endpoint discovery chose)${others.length > 0 ? `; also answering: ${others.join(', ')}` : ''}` });
  }
  if (notFound.length > 0) {
    const adaptor = new URL(root).pathname.replace(/^\/+/, '');
    findings.push({
      verdict: 'ok',
      summary: `${notFound.length} of the usual paths answered 404 (web adaptor names are per site${adaptor ? `; this one is "${adaptor}"` : ''}): ${notFound.join(', ')}`,
    });
  }
  return { findings, discoveredAnswers };
}
