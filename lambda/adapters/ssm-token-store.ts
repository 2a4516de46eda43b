// The shared tokens in SSM Parameter Store, one SecureString per slot:
//   ${prefix}/${target}/token             the TargetState JSON (token, expiry, settings fingerprint)
//   ${prefix}/${target}/ip-CALLER/token   the same, per caller of a caller-ip target
// Only tokens live here. Who may log in (the lease, the pause after a rejected login, ArcGIS's
// Retry-After) is decided by the login coordinator on DynamoDB: SSM has no conditional update, and
// a lease built on create-only PutParameter plus takeover admitted two holders (see
// test/scenarios/ssm-lease-race.test.ts). Standard tier (4 KB, free) fits a token record easily.
import { GetParameterCommand, ParameterType, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { TargetStateSchema, type TargetState } from '../core/cached-token.js';
import type { Log, TokenStore } from '../core/ports.js';
import { tokenParameterName } from './ssm-parameter-names.js';

// The names are in their own module, free of the SDK, so the construct can grant exactly these
// parameters without loading the SSM client at synth time.
export { callerParametersPattern, tokenParameterName } from './ssm-parameter-names.js';

export interface SsmTokenStoreOptions {
  prefix: string;
  /** A customer-managed KMS key for the SecureString; the AWS-managed aws/ssm key when absent. */
  kmsKeyId?: string | undefined;
  now?: (() => number) | undefined;
}

/**
 * After an SSM call that got no answer on any of its attempts (the client's timeouts ended each,
 * see handlers/aws-client-settings.ts), the store is not asked again for this long. One request
 * reads or writes SSM up to four times (the cache, the store before and after a login, the write);
 * each unanswered call costs about 9 s of the request's 25 s, so a second one would push the
 * answer past API Gateway's 29 s. The token service does without the store meanwhile: it logs in
 * under the fleet-wide lease and serves the token from memory.
 */
export const SSM_UNANSWERED_MEMORY_MS = 30_000;

/** SSM is not asked: its last call got no answer, and SSM_UNANSWERED_MEMORY_MS has not passed. */
export class SsmUnansweredError extends Error {
  override readonly name = 'SsmUnansweredError';
}

export class SsmTokenStore implements TokenStore {
  private readonly now: () => number;
  /** The last call that got no answer, while it is remembered. */
  private unanswered: { at: number; until: number; attempts: number | undefined } | undefined;

  constructor(
    private readonly client: SSMClient,
    private readonly options: SsmTokenStoreOptions,
    private readonly log: Log,
  ) {
    this.now = options.now ?? Date.now;
  }

  async get(slotKey: string): Promise<TargetState | undefined> {
    const name = tokenParameterName(this.options.prefix, slotKey);
    const value = await this.read(name);
    if (value === undefined) return undefined;
    const parsed = TargetStateSchema.safeParse(safeJson(value));
    if (!parsed.success) {
      // Someone edited the parameter, or an older release wrote it: a miss, fixed by the next write.
      this.log.warn('cached token parameter is not a valid token record; ignoring it', { parameter: name });
      return undefined;
    }
    return parsed.data;
  }

  async put(slotKey: string, state: TargetState): Promise<void> {
    const command = new PutParameterCommand({
      Name: tokenParameterName(this.options.prefix, slotKey),
      Value: JSON.stringify(state),
      Type: ParameterType.SECURE_STRING,
      ...(this.options.kmsKeyId !== undefined ? { KeyId: this.options.kmsKeyId } : {}),
      Overwrite: true,
      Description: 'ArcGIS token cached by arcgis-token-vending (written by the function; do not edit)',
    });
    await this.guarded(() => this.client.send(command));
  }

  private async read(name: string): Promise<string | undefined> {
    try {
      const output = await this.guarded(() => this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true })));
      return output.Parameter?.Value;
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }

  /** Makes the call unless SSM recently left one unanswered; remembers a call that goes unanswered. */
  private async guarded<T>(call: () => Promise<T>): Promise<T> {
    const t = this.now();
    const known = this.unanswered;
    if (known !== undefined && t < known.until) {
      throw new SsmUnansweredError(
        `SSM was not asked: a call at ${new Date(known.at).toISOString()} got no answer${known.attempts === undefined ? '' : ` in ${known.attempts} attempts`}, so this container does without the token store until ${new Date(known.until).toISOString()} rather than wait on it again. Check the function's network path to SSM (its VPC endpoint or NAT gateway, and their security groups).`,
      );
    }
    try {
      return await call();
    } catch (error) {
      // TimeoutError: the client's connectionTimeout or requestTimeout ended the last attempt, after its retries.
      if (error instanceof Error && error.name === 'TimeoutError') {
        const at = this.now();
        const attempts = (error as Error & { $metadata?: { attempts?: number } }).$metadata?.attempts;
        this.unanswered = { at, until: at + SSM_UNANSWERED_MEMORY_MS, attempts };
      }
      throw error;
    }
  }
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
