// The shared state of each target in SSM Parameter Store:
//   ${prefix}/${target}/token  SecureString, the TargetState JSON (token, expiry, last rejected login)
//   ${prefix}/${target}/lease  String, {"holder","until"}: which container is logging in right now
// SSM has no conditional update, but PutParameter without Overwrite only creates; that is enough
// for a short lease: create it, or take over one whose `until` has passed (then read it back, since
// a concurrent takeover is last-writer-wins). Standard tier (4 KB, free) fits both values easily.
import {
  GetParameterCommand,
  ParameterType,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import * as z from 'zod/mini';
import '../config/zod-locale.js';
import { TargetStateSchema, type TargetState } from '../core/cached-token.js';
import type { Log, TokenStore } from '../core/ports.js';
import { leaseParameterName, tokenParameterName } from './ssm-parameter-names.js';

// The names are in their own module, free of the SDK, so the construct can grant exactly these
// parameters without loading the SSM client at synth time.
export { callerParametersPattern, leaseParameterName, tokenParameterName } from './ssm-parameter-names.js';

const LeaseSchema = z.object({ holder: z.string(), until: z.number() });

export interface SsmTokenStoreOptions {
  prefix: string;
  /** A customer-managed KMS key for the SecureString; the AWS-managed aws/ssm key when absent. */
  kmsKeyId?: string | undefined;
}

export class SsmTokenStore implements TokenStore {
  constructor(
    private readonly client: SSMClient,
    private readonly options: SsmTokenStoreOptions,
    private readonly log: Log,
  ) {}

  async get(targetName: string): Promise<TargetState | undefined> {
    const name = tokenParameterName(this.options.prefix, targetName);
    const value = await this.read(name, true);
    if (value === undefined) return undefined;
    const parsed = TargetStateSchema.safeParse(safeJson(value));
    if (!parsed.success) {
      // Someone edited the parameter, or an older release wrote it: a miss, fixed by the next write.
      this.log.warn('cached token parameter is not a valid token record; ignoring it', { parameter: name });
      return undefined;
    }
    return parsed.data;
  }

  async put(targetName: string, state: TargetState): Promise<void> {
    await this.client.send(
      new PutParameterCommand({
        Name: tokenParameterName(this.options.prefix, targetName),
        Value: JSON.stringify(state),
        Type: ParameterType.SECURE_STRING,
        ...(this.options.kmsKeyId !== undefined ? { KeyId: this.options.kmsKeyId } : {}),
        Overwrite: true,
        Description: 'ArcGIS token cached by arcgis-token-vending (written by the function; do not edit)',
      }),
    );
  }

  async acquireLease(targetName: string, holder: string, ttlMs: number, now: number): Promise<boolean> {
    const name = leaseParameterName(this.options.prefix, targetName);
    const value = JSON.stringify({ holder, until: now + ttlMs });
    try {
      await this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: ParameterType.STRING, Overwrite: false }));
      return true;
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ParameterAlreadyExists')) throw error;
    }
    const current = LeaseSchema.safeParse(safeJson((await this.read(name, false)) ?? ''));
    if (current.success && current.data.until > now && current.data.holder !== holder) return false;
    await this.client.send(new PutParameterCommand({ Name: name, Value: value, Type: ParameterType.STRING, Overwrite: true }));
    const after = LeaseSchema.safeParse(safeJson((await this.read(name, false)) ?? ''));
    return after.success && after.data.holder === holder;
  }

  async releaseLease(targetName: string, holder: string): Promise<void> {
    // Without ssm:DeleteParameter, releasing is writing a lease that has already run out.
    await this.client.send(
      new PutParameterCommand({ Name: leaseParameterName(this.options.prefix, targetName), Value: JSON.stringify({ holder, until: 0 }), Type: ParameterType.STRING, Overwrite: true }),
    );
  }

  private async read(name: string, decrypt: boolean): Promise<string | undefined> {
    try {
      const output = await this.client.send(new GetParameterCommand({ Name: name, WithDecryption: decrypt }));
      return output.Parameter?.Value;
    } catch (error) {
      if (error instanceof Error && error.name === 'ParameterNotFound') return undefined;
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
