// Artifacts on the control node: the catalog of upstream releases, verified downloads into the
// work dir, and offline bundles of it.
export { ARCHES, CATALOG, COMPONENTS, knownVersion, normalizeVersion, parseChecksum, resolveArtifact, type Arch, type Resolved, type VersionVerdict } from './catalog.js';
export { ensureArtifact, sha256File, type EnsureArtifactOptions, type EnsureArtifactResult } from './ensure.js';
export { fetchToFile, FetchError, type FetchOptions } from './download.js';
export { mirrored } from './mirror.js';
export { clusterNeeds, type Need } from './needs.js';
export { useOfflineBundle, writeBundle, MANIFEST, type Manifest, type UsedBundle } from './bundle.js';
