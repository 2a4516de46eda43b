// Loads docs/openapi.yaml and compiles validators for its response schemas with Ajv (JSON Schema
// 2020-12, the dialect of OpenAPI 3.1) in strict mode, formats included.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export interface OpenApiResponse {
  description: string;
  headers?: Record<string, { $ref?: string; required?: boolean; schema?: unknown }>;
  content: Record<string, { schema: { $ref: string } }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, { get: { operationId: string; parameters: Array<{ $ref: string }>; responses: Record<string, { $ref: string }> } }>;
  components: {
    parameters: Record<string, { name: string; in: string; required: boolean; schema: Record<string, unknown> }>;
    responses: Record<string, OpenApiResponse>;
    headers: Record<string, { schema: Record<string, unknown> }>;
    schemas: Record<string, Record<string, unknown>>;
    securitySchemes: Record<string, Record<string, unknown>>;
  };
  security: Array<Record<string, string[]>>;
  [key: string]: unknown;
}

export const OPENAPI_PATH = new URL('../../docs/openapi.yaml', import.meta.url);

export function loadOpenApi(): OpenApiDocument {
  return parse(readFileSync(OPENAPI_PATH, 'utf8')) as OpenApiDocument;
}

/** Follows a local '#/a/b/c' reference. */
export function resolveRef<T>(document: OpenApiDocument, ref: string): T {
  if (!ref.startsWith('#/')) throw new Error(`not a local reference: ${ref}`);
  let node: unknown = document;
  for (const segment of ref.slice(2).split('/')) {
    const key = segment.replaceAll('~1', '/').replaceAll('~0', '~');
    if (typeof node !== 'object' || node === null || !(key in node)) throw new Error(`unresolved reference: ${ref}`);
    node = (node as Record<string, unknown>)[key];
  }
  return node as T;
}

const SCHEMA_ID = 'urn:arcgis-token-vending:openapi';

/** Validators for any schema in components ('#/components/schemas/NAME', '#/components/headers/NAME/schema'), compiled once. */
export function createValidators(document: OpenApiDocument): (ref: string) => ValidateFunction {
  // strictRequired is off because TokenAnswer's if/then branches require members (referer, ip,
  // staleReason) that the enclosing schema defines; every other strict check stays on.
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats.default(ajv);
  // The OpenAPI document's layout: schemas live under components.schemas and refer to each other
  // as '#/components/schemas/NAME'; Ajv only needs to know that "components" is not a typo.
  ajv.addKeyword({ keyword: 'components' });
  ajv.addSchema({ $id: SCHEMA_ID, components: document.components });
  const compiled = new Map<string, ValidateFunction>();
  return (ref) => {
    let validate = compiled.get(ref);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `${SCHEMA_ID}${ref}` });
      compiled.set(ref, validate);
    }
    return validate;
  };
}
