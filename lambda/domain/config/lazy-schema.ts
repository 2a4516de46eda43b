// A schema built on its first use rather than when its module loads. zod's first schema of a
// process pays for compiling zod itself, so a cold cached request stays fast only if it builds and
// runs none: it parses no ArcGIS answer, secret or query string, and its two parses (the
// configuration, the token record) take the checks beside their schemas (schema.ts,
// domain/cached-token.ts). Measured: a cold cached request that runs no zod took 7 % less
// (docs/benchmarks.md, section 4).
//
// The proxy stands for the schema wherever it is used (safeParse, composition into another
// schema, z.infer at the type level) and builds it once, on the first property read.
export function lazySchema<T extends object>(build: () => T): T {
  let built: T | undefined;
  const schema = (): T => (built ??= build());
  return new Proxy({} as T, {
    get: (_, key) => Reflect.get(schema(), key),
    has: (_, key) => Reflect.has(schema(), key),
    getPrototypeOf: () => Reflect.getPrototypeOf(schema()),
    ownKeys: () => Reflect.ownKeys(schema()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(schema(), key);
      // The proxy's own target is an empty object: it may not report a property as non-configurable.
      return descriptor === undefined ? undefined : { ...descriptor, configurable: true };
    },
  });
}
