// The one rule for target names. They become URL path segments (GET /token/NAME) and SSM parameter
// path segments, so the service's configuration, the clients' checks and the answer contract all
// use this pattern, and can never drift apart again.
export const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export const TARGET_NAME_RULE = '1-64 letters, digits, "-" or "_", starting with a letter or digit';
