#!/usr/bin/env bash
# Builds (once) the Debian 12 root filesystem every fleet host boots from, read-only,
# under a volatile overlay. Cached in $KUBEXM_FLEET_CACHE; rebuilt when the base stamp
# (suite + package list) changes, reconfigured when this script changes.
#
# Layout of the cache dir:
#   rootfs/          the image (never written by a running host: hosts boot with --volatile=overlay)
#   base.stamp       suite + packages the image was bootstrapped with
#   config.stamp     hash of this script + fleet public key the image was configured with
#   fleet_key{,.pub} ed25519 key pair that logs in as root, deploy and secure
set -euo pipefail

CACHE=${KUBEXM_FLEET_CACHE:-/var/cache/kubexm-fleet}
SUITE=bookworm
MIRROR=${KUBEXM_FLEET_MIRROR:-http://deb.debian.org/debian}
# sudo's password for the user 'secure': a fixed test secret, never a real one.
SECURE_PASSWORD=kubexm-test-secret
PACKAGES=(
  systemd systemd-sysv dbus openssh-server sudo python3 python3-apt iproute2 curl
  ca-certificates iputils-ping procps kmod iptables conntrack socat ethtool
  xz-utils openssl less file rsync gnupg
)

log() { printf 'rootfs: %s\n' "$*" >&2; }

[[ $(id -u) == 0 ]] || { log "must run as root"; exit 1; }

need_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v systemd-nspawn >/dev/null || missing+=(systemd-container)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  command -v ip >/dev/null || missing+=(iproute2)
  ((${#missing[@]} == 0)) && return
  log "installing ${missing[*]}"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
}

make_key() {
  [[ -s $CACHE/fleet_key && -s $CACHE/fleet_key.pub ]] && return
  log "generating fleet key $CACHE/fleet_key"
  rm -f "$CACHE/fleet_key" "$CACHE/fleet_key.pub"
  ssh-keygen -q -t ed25519 -N '' -C kubexm-fleet -f "$CACHE/fleet_key"
  chmod 0600 "$CACHE/fleet_key"
}

bootstrap() {
  local stamp="$SUITE ${PACKAGES[*]}"
  if [[ -d $CACHE/rootfs && -f $CACHE/base.stamp && $(<"$CACHE/base.stamp") == "$stamp" ]]; then
    return
  fi
  log "debootstrap $SUITE (${#PACKAGES[@]} extra packages) into $CACHE/rootfs"
  rm -rf "$CACHE/rootfs.new" "$CACHE/config.stamp"
  local IFS=,
  debootstrap --variant=minbase --include="${PACKAGES[*]}" "$SUITE" "$CACHE/rootfs.new" "$MIRROR" >&2 \
    || { log "debootstrap failed; see $CACHE/rootfs.new/debootstrap/debootstrap.log"; exit 1; }
  unset IFS
  rm -rf "$CACHE/rootfs"
  mv "$CACHE/rootfs.new" "$CACHE/rootfs"
  printf '%s' "$stamp" >"$CACHE/base.stamp"
}

# Everything below writes into the image only; it is idempotent and re-run whenever
# this script or the fleet key changes.
configure() {
  local R=$CACHE/rootfs
  local stamp
  stamp=$(cat "${BASH_SOURCE[0]}" "$CACHE/fleet_key.pub" | sha256sum | cut -d' ' -f1)
  if [[ -f $CACHE/config.stamp && $(<"$CACHE/config.stamp") == "$stamp" ]]; then
    return
  fi
  log "configuring image"
  local pub
  pub=$(<"$CACHE/fleet_key.pub")

  # Identity comes from outside at boot: empty machine-id => a fresh transient one per boot,
  # hostname set by systemd-nspawn --hostname, host keys provided per host (see below).
  : >"$R/etc/machine-id"
  rm -f "$R/var/lib/dbus/machine-id"
  # Without /etc/hostname, systemd keeps the name systemd-nspawn --hostname gave the host.
  rm -f "$R/etc/hostname"
  printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
  # No resolver: hosts must never reach anything but the bridge.
  rm -f "$R/etc/resolv.conf"
  printf '# kubexm fleet: no name servers on purpose\n' >"$R/etc/resolv.conf"
  printf 'deb %s %s main\n' "$MIRROR" "$SUITE" >"$R/etc/apt/sources.list"

  # Users: root (key only), deploy (passwordless sudo), secure (sudo asks for a password).
  chroot "$R" /bin/sh -ec "
    id deploy >/dev/null 2>&1 || useradd -m -s /bin/bash deploy
    id secure >/dev/null 2>&1 || useradd -m -s /bin/bash secure
    usermod -p '*' root
    usermod -p '*' deploy
    adduser -q deploy sudo >/dev/null
    adduser -q secure sudo >/dev/null
  "
  printf 'secure:%s\n' "$SECURE_PASSWORD" | chroot "$R" chpasswd
  printf 'deploy ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$R/etc/sudoers.d/deploy"
  chmod 0440 "$R/etc/sudoers.d/deploy"
  local u home
  for u in root deploy secure; do
    home=$([[ $u == root ]] && echo /root || echo "/home/$u")
    install -d -m 0700 "$R$home/.ssh"
    printf '%s\n' "$pub" >"$R$home/.ssh/authorized_keys"
    chmod 0600 "$R$home/.ssh/authorized_keys"
    chroot "$R" chown -R "$u:$u" "$home/.ssh"
  done

  # sshd: Debian defaults (MaxSessions 10, MaxStartups 10:30:100 on purpose: the
  # interpreter must live with them); root by key only; no reverse DNS.
  cat >"$R/etc/ssh/sshd_config.d/kubexm-fleet.conf" <<'CONF'
PermitRootLogin prohibit-password
PasswordAuthentication yes
UseDNS no
CONF
  # Identity is applied at every boot by one unit, before sshd:
  # - host keys are not part of the image: keys bind-mounted by the fleet at
  #   /etc/kubexm-fleet/hostkeys (stable per host for a fleet run) are installed, anything
  #   missing is generated fresh;
  # - the hostname maps to 127.0.1.1 as Debian's installer does (sudo complains otherwise);
  #   /etc/hosts stays writable because deployments edit it.
  rm -f "$R"/etc/ssh/ssh_host_*
  install -d "$R/etc/kubexm-fleet/hostkeys" "$R/usr/local/sbin"
  cat >"$R/usr/local/sbin/kubexm-fleet-identity" <<'SCRIPT'
#!/bin/sh
set -e
for k in /etc/kubexm-fleet/hostkeys/ssh_host_*_key; do
  [ -f "$k" ] || continue
  install -m 0600 "$k" /etc/ssh/
  install -m 0644 "$k.pub" /etc/ssh/
done
ssh-keygen -A
h=$(hostname)
grep -q "[[:space:]]$h\$" /etc/hosts || echo "127.0.1.1 $h" >>/etc/hosts
SCRIPT
  chmod 0755 "$R/usr/local/sbin/kubexm-fleet-identity"
  cat >"$R/etc/systemd/system/kubexm-fleet-identity.service" <<'UNIT'
[Unit]
Description=Fleet host identity (SSH host keys, hostname in /etc/hosts)
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kubexm-fleet-identity

[Install]
RequiredBy=ssh.service
UNIT
  install -d "$R/etc/systemd/system/ssh.service.requires"
  ln -sfn /etc/systemd/system/kubexm-fleet-identity.service \
    "$R/etc/systemd/system/ssh.service.requires/kubexm-fleet-identity.service"

  # Network: systemd-networkd configures host0 from a .network file the fleet bind-mounts.
  chroot "$R" systemctl enable systemd-networkd.service ssh.service >/dev/null 2>&1
  # Quiet boots: no gettys, no periodic jobs, no waiting for "online".
  chroot "$R" systemctl mask console-getty.service getty@.service serial-getty@.service \
    systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
    fstrim.timer dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service >/dev/null 2>&1
  rm -f "$R"/etc/systemd/system/getty.target.wants/*
  # Short journal in memory only: hosts are throwaway.
  install -d "$R/etc/systemd/journald.conf.d"
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' >"$R/etc/systemd/journald.conf.d/kubexm-fleet.conf"
  apt-get -q clean -o RootDir="$R" >/dev/null 2>&1 || true
  rm -rf "$R"/var/lib/apt/lists/* "$R"/var/cache/apt/*.bin

  printf '%s' "$stamp" >"$CACHE/config.stamp"
}

mkdir -p "$CACHE"
chmod 0755 "$CACHE"
# One build at a time, whichever fleet asks.
exec 8>"$CACHE/.lock"
flock 8
need_tools
make_key
bootstrap
configure
log "ready: $CACHE/rootfs"
