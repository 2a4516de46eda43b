// The lock file of a scratch consumer project, written from this repository's own lock file.
//
// Why: npm's cache, as `npm ci` fills it, holds package tarballs but none of the registry's package
// documents (npm ci installs from the lock and never asks for them), and resolving a dependency
// without a lock needs those documents, i.e. the network. With a lock, `npm install --offline`
// resolves nothing: it installs the listed versions from the cache. Taking every entry from the
// repository's lock, at the same place in the tree, also means the consumer gets exactly the
// dependency versions this repository tested the client, the CLI and the construct with.

/** One entry of a lockfileVersion 3 `packages` map (the fields this module reads or writes). */
export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  bin?: string | Record<string, string>;
  engines?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [field: string]: unknown;
}

export interface PackageLock {
  name: string;
  lockfileVersion: 3;
  requires: true;
  packages: Record<string, LockEntry>;
}

export interface PackedTarball {
  /** File name of the tarball, placed in the consumer's folder. */
  filename: string;
  /** Its sha512 integrity, as `npm pack --json` reports it. */
  integrity: string;
  /** The package.json inside it. */
  manifest: LockEntry & { name: string; version: string };
}

/**
 * A lock for a project named `name` that depends on the packed tarball and on `dependencies` (exact
 * versions found in `repoLock`), with every package they need taken from `repoLock`. Throws naming
 * the package when something needed is not in the repository's lock.
 */
export function consumerLock(name: string, repoLock: PackageLock, tarball: PackedTarball, dependencies: Record<string, string>): { manifest: LockEntry; lock: PackageLock } {
  const tarballSpec = `file:${tarball.filename}`;
  const rootDependencies = { [tarball.manifest.name]: tarballSpec, ...dependencies };
  const ownPath = `node_modules/${tarball.manifest.name}`;
  const { name: _name, version, license, dependencies: ownDependencies, peerDependencies, peerDependenciesMeta, bin, engines } = tarball.manifest;
  const packages: Record<string, LockEntry> = {
    '': { name, dependencies: rootDependencies },
    [ownPath]: {
      version,
      resolved: tarballSpec,
      integrity: tarball.integrity,
      ...(license === undefined ? {} : { license }),
      ...(ownDependencies === undefined ? {} : { dependencies: ownDependencies }),
      ...(peerDependencies === undefined ? {} : { peerDependencies }),
      ...(peerDependenciesMeta === undefined ? {} : { peerDependenciesMeta }),
      ...(bin === undefined ? {} : { bin }),
      ...(engines === undefined ? {} : { engines }),
    },
  };

  const visited = new Set<string>();
  const queue: Array<[from: string, names: string[]]> = [['', Object.keys(rootDependencies)]];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    const [from, names] = next;
    for (const dependency of names) {
      const at = dependency === tarball.manifest.name ? ownPath : resolveInLock(repoLock, from, dependency);
      if (at === undefined) throw new Error(`${dependency} (needed by ${from === '' ? name : from}) is not in the repository's package-lock.json`);
      if (visited.has(at)) continue;
      visited.add(at);
      if (at !== ownPath) {
        // The repository's dev/peer flags describe its own tree; npm works them out again for this one.
        const { dev: _dev, devOptional: _devOptional, peer: _peer, ...entry } = repoLock.packages[at]!;
        packages[at] = entry;
      }
      const entry = packages[at]!;
      const optionalPeers = Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional === true).map(([peer]) => peer);
      queue.push([
        at,
        [
          ...Object.keys(entry.dependencies ?? {}),
          ...Object.keys(entry.optionalDependencies ?? {}),
          // An optional peer is installed only when something else asks for it.
          ...Object.keys(entry.peerDependencies ?? {}).filter((peer) => !optionalPeers.includes(peer) || peer in rootDependencies),
        ],
      ]);
    }
  }
  return { manifest: { name, private: true, type: 'module', dependencies: rootDependencies }, lock: { name, lockfileVersion: 3, requires: true, packages } };
}

/** Where Node would find `dependency` from the package at `from`: its own node_modules, then each parent's. */
function resolveInLock(lock: PackageLock, from: string, dependency: string): string | undefined {
  for (let location = from; ; location = parentLocation(location)) {
    const candidate = `${location === '' ? '' : `${location}/`}node_modules/${dependency}`;
    if (lock.packages[candidate] !== undefined) return candidate;
    if (location === '') return undefined;
  }
}

function parentLocation(location: string): string {
  const index = location.lastIndexOf('node_modules/');
  return index <= 0 ? '' : location.slice(0, index - 1);
}
