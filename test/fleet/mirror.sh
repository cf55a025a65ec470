#!/usr/bin/env bash
# The fleet's local mirror: release artifacts and a flat apt repository, built from Debian 12
# packages, served over HTTP on the fleet bridge's gateway address so deployments to fleet
# hosts need nothing beyond the bridge.
#
#   mirror.sh build          build (or reuse) $KUBEXM_FLEET_CACHE/mirror; prints its path
#   mirror.sh up [--json]    build if needed, then serve it on http://<gateway>:$KUBEXM_MIRROR_PORT
#                            for the fleet of $KUBEXM_FLEET_RUN (must be up); prints the URLs
#   mirror.sh down           stop the server of that fleet
#   mirror.sh status [--json]
#
# With a fleet up (same env as fleet.sh):
#   sudo test/fleet/fleet.sh up 3 && sudo test/fleet/mirror.sh up
#   → mirror http://10.250.77.1:8780   (spec.artifacts.mirror)
#     apt    http://10.250.77.1:8780/apt  (spec.system.packageRepo.url; `deb [trusted=yes] URL ./`)
#     checksums $KUBEXM_FLEET_CACHE/mirror/checksums.json (spec.artifacts.checksums)
#
# Layout of $KUBEXM_FLEET_CACHE/mirror (an upstream URL https://HOST/PATH is at HOST/PATH):
#   github.com/etcd-io/etcd/releases/download/v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz
#   github.com/containerd/containerd/releases/download/v1.6.20/containerd-1.6.20-linux-amd64.tar.gz
#   github.com/opencontainers/runc/releases/download/v1.1.5/runc.amd64
#   github.com/containernetworking/plugins/releases/download/v1.1.1/cni-plugins-linux-amd64-v1.1.1.tgz
#   checksums.json   {file name: "sha256:…"} of the four above (they are Debian's builds, not
#                    upstream's bytes, so upstream checksums do not match)
#   apt/             *.deb, Packages, Packages.gz, Release: haproxy, keepalived, chrony, nginx
#                    (+ stream module), docker-registry, ipset, ipvsadm and every package they need
#                    that the fleet image lacks
#   stamp            inputs the mirror was built from (versions, package list, sources, the
#                    image's package set, BUILD_REVISION); a changed input rebuilds it
#
# The build runs apt inside an overlay of the fleet image (rootfs.sh), so apt picks exactly the
# dependencies a fleet host is missing. It needs root, overlayfs, dpkg-scanpackages (dpkg-dev)
# and Debian's package mirrors.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KUBEXM_FLEET_CACHE:-/var/cache/kubexm-fleet}
RUN=${KUBEXM_FLEET_RUN:-/run/kubexm-fleet}
PORT=${KUBEXM_MIRROR_PORT:-8780}
DEBIAN_MIRROR=${KUBEXM_FLEET_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${KUBEXM_FLEET_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm
MIRROR=$CACHE/mirror
ROOTFS=$CACHE/rootfs

# Artifacts: Debian package(s) → upstream version they must carry.
ETCD_VERSION=3.4.23
CONTAINERD_VERSION=1.6.20
RUNC_VERSION=1.1.5
CNI_VERSION=1.1.1
# The flat apt repository: these and whatever they pull in.
APT_PACKAGES=(haproxy keepalived chrony nginx libnginx-mod-stream docker-registry ipset ipvsadm)

log() { printf 'mirror: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root"

# Bump when the way the mirror is built changes (layout, packing): the next build starts over.
BUILD_REVISION=1

inputs() {
  # Everything the content depends on: build revision, versions, packages, sources, the image.
  printf 'revision %s\nartifacts etcd %s containerd %s runc %s cni %s\napt %s\nsources %s %s\nimage %s\n' \
    "$BUILD_REVISION" "$ETCD_VERSION" "$CONTAINERD_VERSION" "$RUNC_VERSION" "$CNI_VERSION" \
    "${APT_PACKAGES[*]}" "$DEBIAN_MIRROR" "$SECURITY_MIRROR" "$(cat "$CACHE/base.stamp" 2>/dev/null)"
}

need_tools() {
  command -v dpkg-scanpackages >/dev/null && return
  log "installing dpkg-dev (dpkg-scanpackages)"
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dpkg-dev >&2
}

WORK=
cleanup() {
  [[ -n $WORK ]] || return 0
  if mountpoint -q "$WORK/root/proc" 2>/dev/null; then umount "$WORK/root/proc" || true; fi
  if mountpoint -q "$WORK/root" 2>/dev/null; then umount "$WORK/root" || true; fi
  rm -rf "$WORK"
}

# Deterministic archives (sorted, fixed owner and time, gzip without name/time): rebuilding the
# same packages gives the same checksums.
TAR_OPTS=(--sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --format=gnu)
pack_tgz() { # pack_tgz OUT DIR ENTRY...
  local out=$1 dir=$2
  shift 2
  tar -C "$dir" "${TAR_OPTS[@]}" -cf - "$@" | gzip -9n >"$out"
}

# deb_version FILE → upstream part of the package version (3.4.23-4+b4 → 3.4.23, 1:2.2.7 → 2.2.7)
deb_version() {
  local v
  v=$(dpkg-deb -f "$1" Version)
  v=${v#*:}
  v=${v%-*}
  echo "${v%%[~+]*}"
}

build() {
  need_tools
  [[ -d $ROOTFS && -f $CACHE/base.stamp ]] || bash "$HERE/rootfs.sh"
  local want
  want=$(inputs)
  if [[ -f $MIRROR/stamp && $(<"$MIRROR/stamp") == "$want" ]]; then
    echo "$MIRROR"
    return
  fi
  log "building $MIRROR"
  WORK=$(mktemp -d "$CACHE/mirror.work.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$WORK"/{upper,ovl,root,debs,x}
  mount -t overlay overlay -o "lowerdir=$ROOTFS,upperdir=$WORK/upper,workdir=$WORK/ovl" "$WORK/root"
  mount -t proc proc "$WORK/root/proc"
  local R=$WORK/root
  # The image has no resolver and only bookworm main; the build uses the network.
  rm -f "$R/etc/resolv.conf"
  cp -L /etc/resolv.conf "$R/etc/resolv.conf"
  cat >"$R/etc/apt/sources.list" <<EOF
deb $DEBIAN_MIRROR $SUITE main
deb $DEBIAN_MIRROR $SUITE-updates main
deb $SECURITY_MIRROR $SUITE-security main
EOF
  chroot "$R" apt-get update -q >&2
  # Artifacts: the packages themselves, whatever the image already has.
  chroot "$R" sh -ec 'mkdir -p /tmp/art && cd /tmp/art && apt-get download -q \
    etcd-server etcd-client containerd runc containernetworking-plugins' >&2
  # Repository: exactly what a fleet host lacks for APT_PACKAGES (recommends included, so a
  # plain `apt-get install` on a host finds everything it asks for).
  chroot "$R" env DEBIAN_FRONTEND=noninteractive apt-get install -q -y --download-only \
    "${APT_PACKAGES[@]}" >&2

  local out=$WORK/out
  mkdir -p "$out/apt"
  cp "$R"/var/cache/apt/archives/*.deb "$out/apt/"
  local d
  for d in "$R"/tmp/art/*.deb; do dpkg-deb -x "$d" "$WORK/x"; done
  check_version() { # check_version PACKAGE WANT
    local got
    got=$(deb_version "$R"/tmp/art/"$1"_*.deb)
    [[ $got == "$2" ]] || die "$1 is $got in Debian, the mirror needs $2"
  }
  check_version etcd-server "$ETCD_VERSION"
  check_version etcd-client "$ETCD_VERSION"
  check_version containerd "$CONTAINERD_VERSION"
  check_version runc "$RUNC_VERSION"
  check_version containernetworking-plugins "$CNI_VERSION"

  local X=$WORK/x GH=$out/github.com s=$WORK/stage
  # etcd: etcd-vV-linux-amd64/{etcd,etcdctl}
  local e=etcd-v$ETCD_VERSION-linux-amd64
  mkdir -p "$s/$e" "$GH/etcd-io/etcd/releases/download/v$ETCD_VERSION"
  install -m 0755 "$X/usr/bin/etcd" "$X/usr/bin/etcdctl" "$s/$e/"
  pack_tgz "$GH/etcd-io/etcd/releases/download/v$ETCD_VERSION/$e.tar.gz" "$s" "$e"
  # containerd: bin/* (upstream also ships containerd-stress, which Debian does not build)
  mkdir -p "$s/bin" "$GH/containerd/containerd/releases/download/v$CONTAINERD_VERSION"
  install -m 0755 "$X"/usr/bin/{containerd,containerd-shim,containerd-shim-runc-v1,containerd-shim-runc-v2,ctr} "$s/bin/"
  pack_tgz "$GH/containerd/containerd/releases/download/v$CONTAINERD_VERSION/containerd-$CONTAINERD_VERSION-linux-amd64.tar.gz" "$s" bin
  # runc: a bare binary
  mkdir -p "$GH/opencontainers/runc/releases/download/v$RUNC_VERSION"
  install -m 0755 "$X/usr/sbin/runc" "$GH/opencontainers/runc/releases/download/v$RUNC_VERSION/runc.amd64"
  # CNI plugins: ./<plugin> at the archive root
  mkdir -p "$s/cni" "$GH/containernetworking/plugins/releases/download/v$CNI_VERSION"
  install -m 0755 "$X"/usr/lib/cni/* "$s/cni/"
  pack_tgz "$GH/containernetworking/plugins/releases/download/v$CNI_VERSION/cni-plugins-linux-amd64-v$CNI_VERSION.tgz" "$s/cni" .

  # checksums.json: {file name: "sha256:…"}, as spec.artifacts.checksums takes it.
  local f first=1
  {
    printf '{'
    while read -r f; do
      ((first)) || printf ','
      first=0
      printf '\n  "%s": "sha256:%s"' "${f##*/}" "$(sha256sum "$f" | cut -d' ' -f1)"
    done < <(find "$GH" -type f | sort)
    printf '\n}\n'
  } >"$out/checksums.json"

  # Flat repository: Packages(.gz) and a Release file listing them.
  (
    cd "$out/apt"
    dpkg-scanpackages -m . /dev/null 2>/dev/null >Packages
    gzip -9nc Packages >Packages.gz
    {
      printf 'Origin: kubexm-fleet\nLabel: kubexm-fleet\nSuite: %s\nCodename: %s\nArchitectures: amd64 all\n' "$SUITE" "$SUITE"
      printf 'Date: %s\n' "$(date -u -R)"
      printf 'SHA256:\n'
      for f in Packages Packages.gz; do
        printf ' %s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c %s "$f")" "$f"
      done
    } >Release
  )
  printf '%s' "$want" >"$out/stamp"
  find "$out" -type d -exec chmod 0755 {} +
  find "$out" -type f -exec chmod a+r {} +
  rm -rf "$MIRROR.old"
  [[ -d $MIRROR ]] && mv "$MIRROR" "$MIRROR.old"
  mv "$out" "$MIRROR"
  rm -rf "$MIRROR.old"
  log "built: $(find "$MIRROR/apt" -name '*.deb' | wc -l) packages, $(du -sh "$MIRROR" | cut -f1)"
  echo "$MIRROR"
}

# The fleet this server belongs to: its run dir records the bridge and subnet.
load_fleet() {
  [[ -f $RUN/fleet.env ]] || die "no fleet in $RUN (run fleet.sh up first, with the same KUBEXM_FLEET_RUN)"
  # shellcheck disable=SC1091
  . "$RUN/fleet.env"
  [[ $SUBNET =~ ^([0-9]+\.[0-9]+\.[0-9]+)\.0/24$ ]] || die "bad subnet '$SUBNET' in $RUN/fleet.env"
  GATEWAY=${BASH_REMATCH[1]}.1
  URL=http://$GATEWAY:$PORT
}

server_pid() {
  local pid
  [[ -f $RUN/mirror.pid ]] || return 1
  pid=$(<"$RUN/mirror.pid")
  [[ -r /proc/$pid/cmdline ]] || return 1
  [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == *"mirror-server.mjs $MIRROR "* ]] || return 1
  echo "$pid"
}

print_status() { # print_status JSON? STATE
  if [[ $1 == --json ]]; then
    printf '{"state":"%s","url":"%s","aptUrl":"%s/apt","root":"%s","checksums":%s}\n' \
      "$2" "$URL" "$URL" "$MIRROR" "$(cat "$MIRROR/checksums.json" 2>/dev/null || echo '{}')"
  else
    printf 'mirror %s %s\napt %s/apt\nchecksums %s/checksums.json\n' "$2" "$URL" "$URL" "$MIRROR"
  fi
}

up() {
  load_fleet
  locked build >/dev/null
  if ! server_pid >/dev/null; then
    [[ $(ip -o -4 addr show) == *" inet $GATEWAY/"* ]] || die "$GATEWAY is not on this machine (is the fleet up?)"
    log "serving $MIRROR on $URL"
    setsid node "$HERE/mirror-server.mjs" "$MIRROR" "$GATEWAY" "$PORT" "$RUN/mirror.pid" \
      </dev/null >>"$RUN/mirror.log" 2>&1 9>&- &
    echo $! >"$RUN/mirror.pid"
    local i
    for ((i = 0; i < 50; i++)); do
      curl -fsS -o /dev/null "$URL/checksums.json" 2>/dev/null && break
      server_pid >/dev/null || die "server exited: $(tail -n 3 "$RUN/mirror.log")"
      sleep 0.2
    done
    ((i < 50)) || die "server does not answer on $URL"
  fi
  print_status "${1:-}" up
}

down() {
  [[ -d $RUN ]] || { log "nothing up"; return; }
  local pid
  if pid=$(server_pid); then
    kill "$pid"
    local i
    for ((i = 0; i < 25; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "stopped"
  else
    log "nothing up"
  fi
  rm -f "$RUN/mirror.pid"
}

status() {
  load_fleet
  if server_pid >/dev/null; then print_status "${1:-}" up; else print_status "${1:-}" down; fi
}

# One build at a time, whichever fleet asks; the lock is held by a subshell only, so no server
# started afterwards inherits it.
locked() {
  (
    exec 9>"$CACHE/mirror.lock"
    flock 9
    "$@"
  )
}

mkdir -p "$CACHE"
case ${1:-} in
build) locked build ;;
up) up "${2:-}" ;;
down) down ;;
status) status "${2:-}" ;;
*)
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//' >&2
  exit 2
  ;;
esac
