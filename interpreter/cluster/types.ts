/** cluster.yaml as loaded, every default applied (schemas/cluster.schema.json describes each field). */

export const ROLES = ['master', 'worker', 'etcd', 'loadbalancer', 'registry'] as const;
export type Role = (typeof ROLES)[number];

export interface ClusterHost {
  name: string;
  address: string;
  internalAddress: string;
  port: number;
  user: string;
  password?: string;
  /** Absolute once loaded (relative paths resolve against the cluster.yaml file). */
  privateKeyPath?: string;
  arch: 'amd64' | 'arm64';
  roles: Role[];
}

export type ExtraArgs = Record<string, string | number | boolean>;

export interface ClusterSpec {
  hosts: ClusterHost[];
  controlPlaneEndpoint: { domain: string; address: string; port: number };
  system: { ntpServers: string[]; timezone: string; rpms: string[]; debs: string[]; packageRepo: { url: string } };
  etcd: {
    type: 'kubexm' | 'kubeadm' | 'external';
    version: string;
    dataDir: string;
    extraArgs: ExtraArgs;
    backupDir: string;
    backupPeriodHours: number;
    keepBackupNumber: number;
    external?: { endpoints: string[]; caFile?: string; certFile?: string; keyFile?: string };
  };
  kubernetes: {
    type: 'kubexm' | 'kubeadm';
    version: string;
    clusterName: string;
    apiServer: { extraArgs: ExtraArgs };
    controllerManager: { extraArgs: ExtraArgs };
    scheduler: { extraArgs: ExtraArgs };
    kubelet: { extraArgs: ExtraArgs };
    kubeProxy: { extraArgs: ExtraArgs };
    featureGates: Record<string, boolean>;
    proxyMode: 'ipvs' | 'iptables';
  };
  runtime: {
    type: 'containerd' | 'docker' | 'cri-o' | 'isulad';
    version: string;
    runcVersion: string;
    registryMirrors: string[];
    insecureRegistries: string[];
  };
  network: { plugin: 'calico' | 'flannel' | 'cilium' | 'none'; cniVersion: string; podCIDR: string; serviceCIDR: string };
  loadBalancer: {
    mode: 'external' | 'internal' | 'none';
    external: { type: 'kubexm-kh' | 'kubexm-kn' | 'external' };
    internal: { type: 'haproxy' | 'nginx' | 'kube-vip' };
    vip?: string;
    interface: string;
  };
  registry: {
    type: 'registry' | 'harbor' | 'external' | 'none';
    privateRegistry?: string;
    auths: Record<string, { username?: string; password?: string; skipTLSVerify: boolean; plainHTTP: boolean }>;
  };
  extra: { hosts: { domain: string; address: string }[]; resolves: { address: string }[] };
  addons: { name: string; enabled: boolean; namespace: string; version?: string; manifests: string[]; values: Record<string, unknown> }[];
  artifacts: { mirror: string; checksums: Record<string, string> };
}

export interface ClusterDoc {
  apiVersion: 'kubexm.io/v1alpha1';
  kind: 'Cluster';
  metadata: { name: string };
  spec: ClusterSpec;
}
