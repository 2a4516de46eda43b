// Text that may not be JSON (an ArcGIS answer that is an HTML page, a stored value written by an
// older version, a proxy's error body) is read here and nowhere else with a try/catch. The parser's
// message is dropped on purpose: it quotes the text around the error, which may hold a password or
// a token, and callers say in their own words what was expected.

/** The JSON value of `text`, or undefined when it is not JSON (JSON.parse never returns undefined). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
