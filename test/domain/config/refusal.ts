// The message a configuration is refused with: every schema test asserts the exact wording.
import { expect } from 'vitest';
import { parseServiceConfig } from '../../../lambda/domain/config/parse-config.js';
import { ConfigurationError } from '../../../lambda/domain/errors.js';

/** The ConfigurationError message parseServiceConfig gives for `input` (source "test config"); throws when it accepts it. */
export function refusalOf(input: unknown): string {
  try {
    parseServiceConfig(input, 'test config');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}
