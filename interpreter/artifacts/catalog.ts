// The built-in artifact catalog: where each component's upstream release lives, what its file is
// called, and the SHA-256 of that file per version and architecture. Every checksum here is the
// upstream project's own, as published with the release (and as kubespray pins them in
// roles/kubespray_defaults/defaults/main/checksums.yml and, for older releases,
// roles/download/defaults/main/checksums.yml). Only versions whose sums were found there are
// listed; any other version works when spec.artifacts.checksums gives its file's SHA-256.

import { UserError } from '../errors.js';

export const ARCHES = ['amd64', 'arm64'] as const;
export type Arch = (typeof ARCHES)[number];

export interface ComponentSpec {
  /** Upstream URL of the release file, `v` already stripped from the version. */
  url(version: string, arch: Arch): string;
  /** The file's name in the work dir (the upstream name; spec.artifacts.checksums is keyed by it). */
  file(version: string, arch: Arch): string;
  /** version (no leading v) → arch → SHA-256 hex. */
  sha256: Record<string, Partial<Record<Arch, string>>>;
}

const GH = 'https://github.com';
const k8sBinary = (name: string): ComponentSpec['url'] => (v, arch) => `https://dl.k8s.io/release/v${v}/bin/linux/${arch}/${name}`;

export const CATALOG: Record<string, ComponentSpec> = {
  etcd: {
    url: (v, arch) => `${GH}/etcd-io/etcd/releases/download/v${v}/etcd-v${v}-linux-${arch}.tar.gz`,
    file: (v, arch) => `etcd-v${v}-linux-${arch}.tar.gz`,
    sha256: {
      '3.5.21': {
        amd64: 'adddda4b06718e68671ffabff2f8cee48488ba61ad82900e639d108f2148501c',
        arm64: '95bf6918623a097c0385b96f139d90248614485e781ec9bee4768dbb6c79c53f',
      },
      '3.5.16': {
        amd64: 'b414b27a5ad05f7cb01395c447c85d3227e3fb1c176e51757a283b817f645ccc',
        arm64: '8e68c55e6d72b791a9e98591c755af36f6f55aa9eca63767822cd8a3817fdb23',
      },
    },
  },
  containerd: {
    url: (v, arch) => `${GH}/containerd/containerd/releases/download/v${v}/containerd-${v}-linux-${arch}.tar.gz`,
    file: (v, arch) => `containerd-${v}-linux-${arch}.tar.gz`,
    sha256: {
      '2.0.5': {
        amd64: '88ab31f3e78e4d2fa12dcb933032122d11d441c83b79a89c6c8076f871e50df8',
        arm64: '36eaf77dc65df4b60d6e06204631a4105b4e942dd2704d618758a2aa0eecc264',
      },
      '1.7.27': {
        amd64: '5b038fb22ab5dbb1ce57dd3d8f102460cd8619ff2afc78870837b06e8c4e840a',
        arm64: '3f03ea60c7dacddf890be3ab18f7ef859d9d104b19627f52038d7984361912bc',
      },
      '1.6.20': {
        amd64: 'bb9a9ccd6517e2a54da748a9f60dc9aa9d79d19d4724663f2386812f083968e2',
        arm64: 'c3e6a054b18b20fce06c7c3ed53f0989bb4b255c849bede446ebca955f07a9ce',
      },
    },
  },
  runc: {
    url: (v, arch) => `${GH}/opencontainers/runc/releases/download/v${v}/runc.${arch}`,
    file: (_v, arch) => `runc.${arch}`,
    sha256: {
      '1.2.6': {
        amd64: '0774f49d1b1eebb5849e644db5e4dc6f2b06cee05f13b3d17d5d6ba62d6f2ebc',
        arm64: '12c612e2ebe6ca198de676ce75ed557e79fe6109032209bb8e25166c967fe170',
      },
      '1.1.15': {
        amd64: 'd218e1f8be4dcb1f288dea754faee342375a36f695eac5ab37fc8b7270a78763',
        arm64: 'c680f8c470ffb228944ca80e1a4dbb6768b3ad97057350852e128847f9dd10bc',
      },
      '1.1.5': {
        amd64: 'f00b144e86f8c1db347a2e8f22caade07d55382c5f76dd5c0a5b1ab64eaec8bb',
        arm64: '54e79e4d48b9e191767e4abc08be1a8476a1c757e9a9f8c45c6ded001226867f',
      },
    },
  },
  'cni-plugins': {
    url: (v, arch) => `${GH}/containernetworking/plugins/releases/download/v${v}/cni-plugins-linux-${arch}-v${v}.tgz`,
    file: (v, arch) => `cni-plugins-linux-${arch}-v${v}.tgz`,
    sha256: {
      '1.4.1': {
        amd64: '2a0ea7072d1806b8526489bcd3b4847a06ab010ee32ba3c3d4e5a3235d3eb138',
        arm64: '56fe62d73942cffd8f119d2b8ecb6a062e85f529a3dbfc7aa5cd83c2c01929a7',
      },
      '1.1.1': {
        amd64: 'b275772da4026d2161bf8a8b41ed4786754c8a93ebfb6564006d5da7f23831e5',
        arm64: '16484966a46b4692028ba32d16afd994e079dc2cc63fbc2191d7bfaf5e11f3dd',
      },
    },
  },
  crictl: {
    url: (v, arch) => `${GH}/kubernetes-sigs/cri-tools/releases/download/v${v}/crictl-v${v}-linux-${arch}.tar.gz`,
    file: (v, arch) => `crictl-v${v}-linux-${arch}.tar.gz`,
    sha256: {
      '1.33.0': {
        amd64: '8307399e714626e69d1213a4cd18c8dec3d0201ecdac009b1802115df8973f0f',
        arm64: 'e1f34918d77d5b4be85d48f5d713ca617698a371b049ea1486000a5e86ab1ff3',
      },
      '1.32.0': {
        amd64: 'f050b71d3a73a91a4e0990b90143ed04dcd100cc66f953736fcb6a2730e283c4',
        arm64: 'f2f4e20658b72d00897f41e4b57093c8080e2d800ee894a5f4351f31d1833e30',
      },
    },
  },
  'cri-dockerd': {
    url: (v, arch) => `${GH}/Mirantis/cri-dockerd/releases/download/v${v}/cri-dockerd-${v}.${arch}.tgz`,
    file: (v, arch) => `cri-dockerd-${v}.${arch}.tgz`,
    sha256: {
      '0.3.17': {
        amd64: '5568d571c2cfee7a31ce0b35b7fcc65b96c85b573ee6645151c4d022ed92a626',
        arm64: '761ee6db946ff2c8da04e57833dbbca8e5c38bc3f5b8e84bda689b1b7260c36f',
      },
      '0.3.4': {
        amd64: 'b77a1fbd70d12e5b1dacfa24e5824619ec54184dbc655e721b8523572651adeb',
        arm64: '598709c96585936729140d31a76be778e86f9e31180ff3622a44b63806f37779',
      },
    },
  },
  kubeadm: {
    url: k8sBinary('kubeadm'),
    file: () => 'kubeadm',
    sha256: {
      '1.33.1': {
        amd64: '9a481b0a5f1cee1e071bc9a0867ca0aad5524408c2580596c00767ba1a7df0bd',
        arm64: '5b3e3a1e18d43522fdee0e15be13a42cee316e07ddcf47ef718104836edebb3e',
      },
      '1.32.5': {
        amd64: '9070c3d469f5a3e777948b63a7a5e6c5bd7682c7416547770a78880fe4293ea9',
        arm64: '2956c694ff2891acdc4690b807f87ab48419b4925d3fad2ac52ace2a1160bd17',
      },
    },
  },
  kubelet: {
    url: k8sBinary('kubelet'),
    file: () => 'kubelet',
    sha256: {
      '1.33.1': {
        amd64: 'f7224648451dd4f9f2c4f79416f9874223c286ce41727788965fd0341ddb59c4',
        arm64: '10540261c311ae005b9af514d83c02694e12614406a8524fd2d0bad75296f70d',
      },
      '1.32.5': {
        amd64: '2b2988edd1646bf139dee6956d4283c520ff151a36febd10701ffda4852b8250',
        arm64: '034753a2e308afeb4ce3cf332d38346c6e660252eac93b268fac0e112a56ff46',
      },
    },
  },
  kubectl: {
    url: k8sBinary('kubectl'),
    file: () => 'kubectl',
    sha256: {
      '1.33.1': {
        amd64: '5de4e9f2266738fd112b721265a0c1cd7f4e5208b670f811861f699474a100a3',
        arm64: 'd595d1a26b7444e0beb122e25750ee4524e74414bbde070b672b423139295ce6',
      },
      '1.32.5': {
        amd64: 'aaa7e6ff3bd28c262f2d95c8c967597e097b092e9b79bcb37de699e7488e3e7b',
        arm64: '9edee84103e63c40a37cd15bd11e04e7835f65cb3ff5a50972058ffc343b4d96',
      },
    },
  },
};

export const COMPONENTS = Object.keys(CATALOG);

/** `v3.4.23` and `3.4.23` name the same release. */
export function normalizeVersion(version: string): string {
  return String(version).trim().replace(/^v/, '');
}

/** A `checksums` value: `sha256:<hex>` or bare hex → lower-case hex; undefined if it is neither. */
export function parseChecksum(value: unknown): string | undefined {
  const m = /^(?:sha256:)?([0-9a-fA-F]{64})$/.exec(String(value ?? '').trim());
  return m ? m[1].toLowerCase() : undefined;
}

export interface Resolved {
  component: string;
  version: string;
  arch: Arch;
  url: string;
  file: string;
  /** Expected SHA-256 hex; undefined when neither the catalog nor `checksums` gives one. */
  sha256?: string;
  /** Where sha256 came from. */
  source?: 'checksums' | 'catalog';
}

export function componentSpec(component: string): ComponentSpec {
  const spec = Object.hasOwn(CATALOG, component) ? CATALOG[component] : undefined;
  if (!spec) throw new UserError(`unknown artifact component '${component}' (known: ${COMPONENTS.join(', ')})`);
  return spec;
}

export function parseArch(arch: string): Arch {
  const a = String(arch).trim();
  if (a === 'x86_64') return 'amd64';
  if (a === 'aarch64') return 'arm64';
  if (!(ARCHES as readonly string[]).includes(a)) throw new UserError(`unsupported architecture '${arch}' (known: ${ARCHES.join(', ')})`);
  return a as Arch;
}

/** Where a component's release file comes from and what its SHA-256 must be (`checksums` wins over the catalog). */
export function resolveArtifact(component: string, version: string, arch: string, checksums: Record<string, unknown> = {}): Resolved {
  const spec = componentSpec(component);
  const v = normalizeVersion(version);
  if (!v) throw new UserError(`${component}: empty version`);
  const a = parseArch(arch);
  const file = spec.file(v, a);
  const r: Resolved = { component, version: v, arch: a, url: spec.url(v, a), file };
  if (Object.hasOwn(checksums, file)) {
    const sum = parseChecksum(checksums[file]);
    if (!sum) throw new UserError(`checksums: '${file}': '${String(checksums[file])}' is not a SHA-256 ('sha256:' and 64 hex digits)`);
    return { ...r, sha256: sum, source: 'checksums' };
  }
  const builtIn = spec.sha256[v]?.[a];
  return builtIn ? { ...r, sha256: builtIn, source: 'catalog' } : r;
}

export interface VersionVerdict {
  /** The version can be downloaded and verified: a built-in checksum, or one in `checksums`. */
  known: boolean;
  /** The release file for this version and architecture (the key `checksums` would need). */
  file: string;
  /** Versions with built-in checksums for this architecture. */
  builtIn: string[];
}

/** For the cluster.yaml checks: can this component version be fetched and verified? */
export function knownVersion(component: string, version: string, arch = 'amd64', checksums: Record<string, unknown> = {}): VersionVerdict {
  const spec = componentSpec(component);
  const a = parseArch(arch);
  const r = resolveArtifact(component, version, a, checksums);
  return { known: r.sha256 !== undefined, file: r.file, builtIn: Object.keys(spec.sha256).filter((v) => spec.sha256[v][a]) };
}
