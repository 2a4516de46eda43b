// Keeps credentials in memory for a bounded time: Secrets Manager is read at most once per
// `maxAgeMs` per secret in a container, yet a rotated secret is picked up within that bound, and
// sooner when the caller asks for a fresher copy (to see whether a rejected secret has changed).
import type { CredentialSource, Credentials } from '../domain/ports.js';
import { KeyedFlight } from './keyed-flight.js';

export const CREDENTIALS_MAX_AGE_MS = 5 * 60_000;

interface Entry {
  value: { credentials: Credentials; version: string };
  readAt: number;
}

export class CachingCredentialSource implements CredentialSource {
  private readonly entries = new Map<string, Entry>();
  private readonly reads = new KeyedFlight<{ credentials: Credentials; version: string }>();

  constructor(
    private readonly source: CredentialSource,
    private readonly now: () => number = Date.now,
    private readonly maxAgeMs = CREDENTIALS_MAX_AGE_MS,
  ) {}

  /** The cached copy if it is fresh enough, without any I/O. */
  peek(secretId: string, maxAgeMs = this.maxAgeMs): { credentials: Credentials; version: string } | undefined {
    const entry = this.entries.get(secretId);
    return entry !== undefined && this.now() - entry.readAt < maxAgeMs ? entry.value : undefined;
  }

  read(secretId: string, maxAgeMs = this.maxAgeMs): Promise<{ credentials: Credentials; version: string }> {
    const entry = this.entries.get(secretId);
    if (entry !== undefined && this.now() - entry.readAt < maxAgeMs) return Promise.resolve(entry.value);
    return this.reads.run(secretId, async () => {
      const value = await this.source.read(secretId);
      this.entries.set(secretId, { value, readAt: this.now() });
      return value;
    });
  }
}
