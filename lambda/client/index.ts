// The package's client entry ("arcgis-token-vending/client"): get a token from a deployed service.
export { getToken, type GetTokenOptions } from './get-token.js';
export { createTokenClient, isTokenRejection, type TokenClient, type TokenClientOptions, type TokenRequest } from './token-client.js';
export type { TokenAnswer, ProblemDocument } from './token-answer.js';
export type { AwsCredentials } from './request-signer.js';
export { TokenAnswerError, TokenClientConfigError, TokenClientError, TokenProblemError, TokenRequestError } from './errors.js';
