// The shared tokens in SSM Parameter Store, one SecureString per slot:
//   ${prefix}/${target}/token             the TargetState JSON (token, expiry, settings fingerprint)
//   ${prefix}/${target}/ip-CALLER/token   the same, per caller of a caller-ip target
// Only tokens live here. Who may log in (the lease, the pause after a rejected login, ArcGIS's
// Retry-After) is decided by the login coordinator on DynamoDB: SSM has no conditional update, and
// a lease built on create-only PutParameter plus takeover admitted two holders (see
// test/scenarios/ssm-lease-race.test.ts). Standard tier (4 KB, free) fits a token record easily.
import { GetParameterCommand, ParameterType, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { readTargetState, type TargetState } from '../domain/cached-token.js';
import type { Log, TokenStore } from '../domain/ports.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import { tokenParameterName } from '../domain/ssm-layout.js';
import { UnansweredCalls } from './unanswered-aws-calls.js';

// The names are in their own module, free of the SDK, so the construct can grant exactly these
// parameters without loading the SSM client at synth time.
export { callerParametersPattern, tokenParameterName } from '../domain/ssm-layout.js';

export interface SsmTokenStoreOptions {
  prefix: string;
  /** A customer-managed KMS key for the SecureString; the AWS-managed aws/ssm key when absent. */
  kmsKeyId?: string | undefined;
  now?: (() => number) | undefined;
}

export class SsmTokenStore implements TokenStore {
  /** An SSM that left a call unanswered is not asked again for a while (see unanswered-aws-calls.ts). */
  private readonly unanswered: UnansweredCalls;

  constructor(
    private readonly client: SSMClient,
    private readonly options: SsmTokenStoreOptions,
    private readonly log: Log,
  ) {
    this.unanswered = new UnansweredCalls({ service: 'SSM', role: 'the token store', now: options.now });
  }

  async get(slotKey: string): Promise<TargetState | undefined> {
    const name = tokenParameterName(this.options.prefix, slotKey);
    const value = await this.read(name);
    if (value === undefined) return undefined;
    const parsed = await readTargetState(parseJsonOrUndefined(value));
    if (parsed === undefined) {
      // Someone edited the parameter, or an older release wrote it: a miss, fixed by the next write.
      this.log.warn('cached token parameter is not a valid token record; ignoring it', { parameter: name });
    }
    return parsed;
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
    await this.unanswered.guard(() => this.client.send(command));
  }

  private async read(name: string): Promise<string | undefined> {
    try {
      const output = await this.unanswered.guard(() => this.client.send(new GetParameterCommand({ Name: name, WithDecryption: true })));
      return output.Parameter?.Value;
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
      throw error;
    }
  }
}
