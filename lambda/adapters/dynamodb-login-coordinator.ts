// The login coordinator on DynamoDB: one item per account (a secret at a login site), and one per
// caller-ip target for its admitted callers. Every decision is a single UpdateItem whose
// ConditionExpression states the whole rule, so DynamoDB decides it atomically: two containers can
// never both take a lease, nor take one while the account is paused or backing off. (SSM, where the
// tokens live, cannot: PutParameter is last-writer-wins, and a lease on it admitted two holders in
// the interleaving test/scenarios/ssm-lease-race.test.ts replays.)
//
// Item layout (flat attributes, so conditions can name them):
//   pk            "account#<hash>" | "callers#<target>"
//   leaseHolder   S   leaseUntil  N (ms)
//   pauseVersion  S   pauseAt N   pauseUntil N   pauseInfo S (JSON: code, message, details, url)
//   backoffAt     N   backoffUntil N   backoffStatus N   backoffUrl S   backoffStreak N
//   demandAt      N
//   callers       M   caller key -> N (admitted until, ms)
//   expiresAt     N (s)  DynamoDB's TTL, set on every write: a day after it for an account (whose
//                        records end within an hour of being written), 16 days for callers (whose
//                        admissions last a token's lifetime, at most 15 days).
import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import '../domain/config/zod-locale.js';
import { lazySchema } from '../domain/config/lazy-schema.js';
import { COORDINATION_TABLE_KEY, COORDINATION_TTL_ATTRIBUTE } from '../domain/config/environment.js';
import type { AccountRecord, Backoff, CallerAdmission, LeaseAnswer, LeaseRequest, LoginCoordinator, LoginOutcome } from '../domain/ports.js';
import type { LoginFailure } from '../domain/cached-token.js';
import { parseJsonOrUndefined } from '../domain/parse-json-or-undefined.js';
import { UnansweredCalls } from './unanswered-aws-calls.js';

const DAY_MS = 24 * 3_600_000;
const ACCOUNT_RETENTION_MS = DAY_MS;
const CALLERS_RETENTION_MS = 16 * DAY_MS;

const PauseInfoSchema = lazySchema(() =>
  z.object({ code: z.number(), message: z.string(), details: z.array(z.string()), url: z.string() }),
);

type Item = Record<string, AttributeValue>;

export interface DynamoDbLoginCoordinatorOptions {
  tableName: string;
  now?: (() => number) | undefined;
}

export class DynamoDbLoginCoordinator implements LoginCoordinator {
  /** A DynamoDB that left a call unanswered is not asked again for a while (see unanswered-aws-calls.ts). */
  private readonly unanswered: UnansweredCalls;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly options: DynamoDbLoginCoordinatorOptions,
  ) {
    this.unanswered = new UnansweredCalls({ service: 'DynamoDB', role: 'the login coordinator (logins go unguarded, one at a time per account in this container)', now: options.now });
  }

  async acquire(request: LeaseRequest, timeoutMs?: number): Promise<LeaseAnswer> {
    const signal = abortAfter(timeoutMs);
    const values: Item = {
      ':holder': { S: request.holder },
      ':until': { N: String(request.until) },
      ':now': { N: String(request.now) },
      ':version': { S: request.secretVersion },
      ':ttl': ttl(request.now, ACCOUNT_RETENTION_MS),
    };
    const conditions = [
      '(attribute_not_exists(leaseUntil) OR leaseUntil <= :now OR leaseHolder = :holder)',
      '(attribute_not_exists(pauseUntil) OR pauseUntil <= :now OR pauseVersion <> :version)',
      '(attribute_not_exists(backoffUntil) OR backoffUntil <= :now)',
    ];
    let update = 'SET leaseHolder = :holder, leaseUntil = :until, #ttl = :ttl';
    if (request.demandIntervalMs !== undefined) {
      conditions.push('(attribute_not_exists(demandAt) OR demandAt <= :demandBefore)');
      values[':demandBefore'] = { N: String(request.now - request.demandIntervalMs) };
    }
    if (request.demandIntervalMs !== undefined || request.noteDemand === true) update += ', demandAt = :now';
    try {
      const before = await this.update(signal, {
        Key: accountKey(request.account),
        UpdateExpression: update,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: { '#ttl': COORDINATION_TTL_ATTRIBUTE },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_OLD',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return { granted: true, record: toRecord(before) };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // DynamoDB returns the item that failed the condition; a stand-in may not: read it then.
      const item = error.Item ?? (await this.getItem(signal, accountKey(request.account)));
      return { granted: false, record: toRecord(item) };
    }
  }

  async release(account: string, holder: string, outcome: LoginOutcome, now: number, timeoutMs?: number): Promise<void> {
    const signal = abortAfter(timeoutMs);
    const recorded = outcomeUpdate(outcome, now);
    const key = accountKey(account);
    // The outcome first, the lease's end second: a container that finds the lease free then always
    // finds the pause or backoff too. The outcome is written even when the lease is no longer ours,
    // but never over a newer one.
    if (recorded !== undefined) {
      try {
        await this.update(signal, { Key: key, UpdateExpression: `SET ${recorded.set}`, ConditionExpression: recorded.newer, ExpressionAttributeNames: recorded.names, ExpressionAttributeValues: recorded.values });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    try {
      await this.update(signal, { Key: key, UpdateExpression: 'REMOVE leaseHolder, leaseUntil', ConditionExpression: 'leaseHolder = :holder', ExpressionAttributeValues: { ':holder': { S: holder } } });
    } catch (error) {
      // The lease ran out and another container holds it now: it is theirs to end.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async read(account: string, timeoutMs?: number): Promise<AccountRecord | undefined> {
    const item = await this.getItem(abortAfter(timeoutMs), accountKey(account));
    return item === undefined ? undefined : toRecord(item);
  }

  async admitCaller(admission: CallerAdmission, timeoutMs?: number): Promise<boolean> {
    const signal = abortAfter(timeoutMs);
    const key = { [COORDINATION_TABLE_KEY]: { S: `callers#${admission.scope}` } };
    // A nested path can only be set inside an existing map; creating it is idempotent.
    await this.update(signal, {
      Key: key,
      UpdateExpression: 'SET callers = if_not_exists(callers, :empty), #ttl = :ttl',
      ExpressionAttributeNames: { '#ttl': COORDINATION_TTL_ATTRIBUTE },
      ExpressionAttributeValues: { ':empty': { M: {} }, ':ttl': ttl(admission.now, CALLERS_RETENTION_MS) },
    });
    const admit = async (): Promise<boolean> => {
      try {
        await this.update(signal, {
          Key: key,
          UpdateExpression: 'SET callers.#caller = :until',
          ConditionExpression: 'attribute_exists(callers.#caller) OR size(callers) < :max',
          ExpressionAttributeNames: { '#caller': admission.caller },
          ExpressionAttributeValues: { ':until': { N: String(admission.until) }, ':max': { N: String(admission.max) } },
        });
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    };
    if (await admit()) return true;
    // Full: drop the callers whose admission has ended (each only if it is still the ended one), then try once more.
    const callers = (await this.getItem(signal, key))?.callers?.M ?? {};
    const ended = Object.entries(callers).filter(([, until]) => Number(until.N) <= admission.now);
    if (ended.length === 0) return false;
    for (const [caller, until] of ended) {
      try {
        await this.update(signal, {
          Key: key,
          UpdateExpression: 'REMOVE callers.#caller',
          ConditionExpression: 'callers.#caller = :until',
          ExpressionAttributeNames: { '#caller': caller },
          ExpressionAttributeValues: { ':until': until },
        });
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    return admit();
  }

  private async update(abortSignal: AbortSignal | undefined, input: Omit<UpdateItemCommandInput, 'TableName'>): Promise<Item | undefined> {
    const command = new UpdateItemCommand({ TableName: this.options.tableName, ...input });
    const output = await this.unanswered.guard(() => this.client.send(command, abortSignal === undefined ? {} : { abortSignal }));
    return output.Attributes;
  }

  private async getItem(abortSignal: AbortSignal | undefined, key: Item): Promise<Item | undefined> {
    const command = new GetItemCommand({ TableName: this.options.tableName, Key: key, ConsistentRead: true });
    const output = await this.unanswered.guard(() => this.client.send(command, abortSignal === undefined ? {} : { abortSignal }));
    return output.Item;
  }
}

/** One signal for all the calls of one operation: the caller's deadline bounds them together, retries included. */
function abortAfter(timeoutMs: number | undefined): AbortSignal | undefined {
  return timeoutMs === undefined ? undefined : AbortSignal.timeout(Math.max(1, timeoutMs));
}

function accountKey(account: string): Item {
  return { [COORDINATION_TABLE_KEY]: { S: `account#${account}` } };
}

function ttl(now: number, retentionMs: number): AttributeValue {
  return { N: String(Math.ceil((now + retentionMs) / 1000)) };
}

interface RecordedOutcome {
  set: string;
  /** Holds when the item has no newer record of this kind. */
  newer: string;
  names: Record<string, string>;
  values: Item;
}

function outcomeUpdate(outcome: LoginOutcome, now: number): RecordedOutcome | undefined {
  if (outcome.kind === 'rejected') return pauseUpdate(outcome.failure, now);
  if (outcome.kind === 'rate-limited') return backoffUpdate(outcome.backoff, now);
  return undefined;
}

function pauseUpdate(failure: LoginFailure, now: number): RecordedOutcome {
  return {
    set: 'pauseVersion = :pauseVersion, pauseAt = :pauseAt, pauseUntil = :pauseUntil, pauseInfo = :pauseInfo, #ttl = :ttl',
    newer: 'attribute_not_exists(pauseAt) OR pauseAt < :pauseAt',
    names: { '#ttl': COORDINATION_TTL_ATTRIBUTE },
    values: {
      ':pauseVersion': { S: failure.secretVersion },
      ':pauseAt': { N: String(failure.at) },
      ':pauseUntil': { N: String(failure.until) },
      ':pauseInfo': { S: JSON.stringify({ code: failure.code, message: failure.message, details: failure.details, url: failure.url }) },
      ':ttl': ttl(now, ACCOUNT_RETENTION_MS),
    },
  };
}

function backoffUpdate(backoff: Backoff, now: number): RecordedOutcome {
  return {
    set: 'backoffAt = :backoffAt, backoffUntil = :backoffUntil, backoffStatus = :backoffStatus, backoffUrl = :backoffUrl, backoffStreak = :backoffStreak, #ttl = :ttl',
    newer: 'attribute_not_exists(backoffUntil) OR backoffUntil < :backoffUntil',
    names: { '#ttl': COORDINATION_TTL_ATTRIBUTE },
    values: {
      ':backoffAt': { N: String(backoff.at) },
      ':backoffUntil': { N: String(backoff.until) },
      ':backoffStatus': { N: String(backoff.httpStatus) },
      ':backoffUrl': { S: backoff.url },
      ':backoffStreak': { N: String(backoff.streak ?? 0) },
      ':ttl': ttl(now, ACCOUNT_RETENTION_MS),
    },
  };
}

/** The item as a record; attributes of the wrong type (someone edited the item) are left out. */
function toRecord(item: Item | undefined): AccountRecord {
  if (item === undefined) return {};
  const number = (name: string): number | undefined => {
    const value = item[name]?.N;
    return value === undefined || !Number.isFinite(Number(value)) ? undefined : Number(value);
  };
  const string = (name: string): string | undefined => item[name]?.S;
  const record: AccountRecord = {};
  const holder = string('leaseHolder');
  const leaseUntil = number('leaseUntil');
  if (holder !== undefined && leaseUntil !== undefined) record.lease = { holder, until: leaseUntil };
  const pauseVersion = string('pauseVersion');
  const pauseAt = number('pauseAt');
  const pauseUntil = number('pauseUntil');
  const info = PauseInfoSchema.safeParse(parseJsonOrUndefined(string('pauseInfo') ?? ''));
  if (pauseVersion !== undefined && pauseAt !== undefined && pauseUntil !== undefined) {
    // An unreadable pauseInfo still pauses: the reason is only for the message.
    const reason = info.success ? info.data : { code: 0, message: 'unknown (the record could not be read)', details: [], url: '' };
    record.pause = { secretVersion: pauseVersion, at: pauseAt, until: pauseUntil, ...reason };
  }
  const backoffAt = number('backoffAt');
  const backoffUntil = number('backoffUntil');
  if (backoffAt !== undefined && backoffUntil !== undefined) {
    const streak = number('backoffStreak');
    record.backoff = { at: backoffAt, until: backoffUntil, httpStatus: number('backoffStatus') ?? 0, url: string('backoffUrl') ?? '', ...(streak === undefined || streak === 0 ? {} : { streak }) };
  }
  const demandAt = number('demandAt');
  if (demandAt !== undefined) record.demandAt = demandAt;
  return record;
}

