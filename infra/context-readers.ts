// How one `-c` context value is read. Values given with -c arrive as strings, values from cdk.json
// may be numbers, booleans or arrays: each reader accepts both, and a value that does not fit
// becomes an issue naming the key, with an example of a value that would.
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as z from 'zod/mini';
import '../lambda/domain/config/zod-locale.js';

const RETENTION_DAYS: readonly number[] = Object.values(RetentionDays).filter((v): v is number => typeof v === 'number');

export type Reader<T> = (value: unknown, key: string) => T | { problem: string };

/** One context key: unset (undefined or null) stays undefined; anything else must fit `read`. */
export function setting<T>(key: string, read: Reader<T>) {
  return z.pipe(
    z.unknown(),
    z.transform((value: unknown, ctx): T | undefined => {
      if (value === undefined || value === null) return undefined;
      const result = read(value, key);
      if (!isProblem(result)) return result;
      ctx.issues.push({ code: 'custom', message: result.problem, input: value });
      return z.NEVER;
    }),
  );
}

export function isProblem(value: unknown): value is { problem: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'problem' in value;
}

/** A trimmed string; an empty one counts as unset. */
export const text: Reader<string | undefined> = (value) => {
  if (typeof value !== 'string') return { problem: `expected a string, got ${JSON.stringify(value)}` };
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
};

/** A whole number; `example` shows a sensible value in the message. */
export function integer(example: number): Reader<number> {
  return (value, key) => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
    if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
    return { problem: `expected a whole number, got ${JSON.stringify(value)} (e.g. -c ${key}=${example})` };
  };
}

export function decimal(example: number): Reader<number> {
  return (value, key) => {
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
    return { problem: `expected a number, got ${JSON.stringify(value)} (e.g. -c ${key}=${example})` };
  };
}

export const boolean: Reader<boolean> = (value) => {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return { problem: `expected true or false, got ${JSON.stringify(value)}` };
};

/** A comma-separated string (`-c subnetIds=subnet-a,subnet-b`) or a JSON array of strings (cdk.json). */
export const list: Reader<string[] | undefined> = (value) => {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else return { problem: `expected a comma-separated list, got ${JSON.stringify(value)}` };
  if (!items.every((item): item is string => typeof item === 'string')) return { problem: `expected a list of strings, got ${JSON.stringify(value)}` };
  const trimmed = items.map((item) => item.trim()).filter((item) => item !== '');
  return trimmed.length === 0 ? undefined : trimmed;
};

export function oneOf<const T extends string>(choices: readonly T[]): Reader<T | undefined> {
  return (value, key) => {
    const given = text(value, key);
    if (given === undefined || isProblem(given)) return given;
    const choice = choices.find((c) => c === given);
    return choice ?? { problem: `"${given}" is not one of ${choices.join(', ')}` };
  };
}

export const retention: Reader<RetentionDays> = (value, key) => {
  const days = integer(30)(value, key);
  if (isProblem(days)) return days;
  if (!RETENTION_DAYS.includes(days)) return { problem: `${days} is not a CloudWatch Logs retention; use one of ${RETENTION_DAYS.join(', ')}` };
  return days as RetentionDays;
};
