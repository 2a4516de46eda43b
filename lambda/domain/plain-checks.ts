// The shape checks the zod-free readers share (plain-config.ts for the configuration, cached-token.ts
// for the stored record): each accepts only what its schema would accept unchanged, so both ask the
// same two questions of an object first.
export type Plain = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export const isPlain = (value: unknown): value is Plain => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Only known keys, none of them holding undefined (a schema would keep such a key, in its own place). */
export const onlyKeys = (value: Plain, allowed: ReadonlySet<string>): boolean => Object.keys(value).every((key) => allowed.has(key) && value[key] !== undefined);
