#!/usr/bin/env bash
# The kubexm test fleet: Debian 12 hosts booted with systemd-nspawn on a bridge of our own.
#
#   fleet.sh up N [--json]   ensure hosts node1..nodeN are up and answer ssh (hosts above N,
#                            from an earlier larger `up`, are left running)
#   fleet.sh down            stop every host this fleet started, remove what it created
#   fleet.sh status [--json] what is up
#   fleet.sh restart K       reboot host K: a clean state again, same host keys
#   fleet.sh rekey K         new host keys for host K, then reboot it (known_hosts follows;
#                            a copy of the old one now mismatches)
#
# Hosts boot the cached image (rootfs.sh) read-only under --volatile=overlay: every boot
# starts clean. Host K is machine <bridge>-nodeK, hostname nodeK, address <subnet>.(10+K),
# ssh on 22. Fleets on different bridges (and run dirs) coexist on one machine.
# Nothing is routed: no gateway, no DNS, no NAT; hosts only see the bridge.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${KUBEXM_FLEET_CACHE:-/var/cache/kubexm-fleet}
RUN=${KUBEXM_FLEET_RUN:-/run/kubexm-fleet}
BOOT_TIMEOUT=${KUBEXM_FLEET_BOOT_TIMEOUT:-180}
KEY=$CACHE/fleet_key
ROOTFS=$CACHE/rootfs

log() { printf 'fleet: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) == 0 ]] || die "must run as root (systemd-nspawn and the bridge need it)"

# Bridge and subnet: taken from the environment on the first `up`, then from the run dir,
# so `down` and `status` always act on what was actually created.
load_net() {
  if [[ -f $RUN/fleet.env ]]; then
    # shellcheck disable=SC1091
    . "$RUN/fleet.env"
    if [[ -n ${KUBEXM_FLEET_BRIDGE:-} && $KUBEXM_FLEET_BRIDGE != "$BRIDGE" ]] ||
       [[ -n ${KUBEXM_FLEET_SUBNET:-} && $KUBEXM_FLEET_SUBNET != "$SUBNET" ]]; then
      local k
      for k in $(known_nodes); do
        if host_pid "$k" >/dev/null; then
          die "a fleet is up on $BRIDGE $SUBNET; run 'fleet.sh down' before changing KUBEXM_FLEET_BRIDGE/SUBNET"
        fi
      done
      # Nothing runs on the recorded network: forget it.
      if [[ -f $RUN/bridge.created ]]; then
        ip link del "$(<"$RUN/bridge.created")" 2>/dev/null || true
        rm -f "$RUN/bridge.created"
      fi
      BRIDGE=${KUBEXM_FLEET_BRIDGE:-$BRIDGE}
      SUBNET=${KUBEXM_FLEET_SUBNET:-$SUBNET}
    fi
  else
    BRIDGE=${KUBEXM_FLEET_BRIDGE:-kxmbr0}
    SUBNET=${KUBEXM_FLEET_SUBNET:-10.250.77.0/24}
  fi
  [[ $BRIDGE =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || die "bad bridge name '$BRIDGE'"
  [[ $SUBNET =~ ^([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})\.0/24$ ]] ||
    die "KUBEXM_FLEET_SUBNET must be a /24 written a.b.c.0/24, got '$SUBNET'"
  PREFIX=${BASH_REMATCH[1]}
  GATEWAY=$PREFIX.1
}

host_dir() { echo "$RUN/hosts/node$1"; }
# Machine names carry the bridge: systemd-nspawn names each host's veth after the machine
# (vb-<machine>), so two fleets with the same names would collide.
machine_name() { echo "$BRIDGE-node$1"; }
# The name a running host was started with (hosts started without a record were kxm-nodeK).
recorded_machine() { cat "$(host_dir "$1")/machine" 2>/dev/null || echo "kxm-node$1"; }
host_addr() { echo "$PREFIX.$((10 + $1))"; }

# A pid file only counts if the process is still the systemd-nspawn we started for that
# machine: pids are reused, and the run dir survives a machine restart.
host_pid() {
  local f
  f=$(host_dir "$1")/pid
  [[ -f $f ]] || return 1
  local pid
  pid=$(<"$f")
  [[ -r /proc/$pid/cmdline ]] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "--machine=$(recorded_machine "$1") " || return 1
  echo "$pid"
}

known_nodes() {
  local d
  for d in "$RUN"/hosts/node*; do
    [[ -d $d ]] && echo "${d##*/node}"
  done | sort -n
}

ssh_opts() {
  echo -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$RUN/known_hosts" -o LogLevel=ERROR
}

ensure_bridge() {
  if ip link show dev "$BRIDGE" >/dev/null 2>&1; then
    [[ -d /sys/class/net/$BRIDGE/bridge ]] || die "$BRIDGE exists and is not a bridge"
    ip -o -4 addr show dev "$BRIDGE" | grep -q " $GATEWAY/24 " ||
      die "bridge $BRIDGE exists without $GATEWAY/24; pick another KUBEXM_FLEET_BRIDGE"
    ip link set "$BRIDGE" up
    return
  fi
  # Refuse a subnet that is already in use elsewhere on this machine.
  if ip -o -4 addr show | grep -qF " inet $PREFIX."; then
    die "subnet $SUBNET overlaps an address on this machine; set KUBEXM_FLEET_SUBNET"
  fi
  log "creating bridge $BRIDGE $GATEWAY/24"
  ip link add "$BRIDGE" type bridge stp_state 0
  echo "$BRIDGE" >"$RUN/bridge.created"
  ip addr add "$GATEWAY/24" dev "$BRIDGE"
  ip link set "$BRIDGE" up
}

# Per-host SSH host keys live in the cache: made once, stable across reboots and runs,
# recorded in $RUN/known_hosts. `rekey` replaces them to provoke a mismatch.
hostkeys_dir() { echo "$CACHE/hostkeys/$BRIDGE/node$1"; }

ensure_hostkeys() {
  local k=$1 dir t
  dir=$(hostkeys_dir "$k")
  mkdir -p "$dir"
  for t in ed25519 ecdsa rsa; do
    [[ -s $dir/ssh_host_${t}_key ]] && continue
    ssh-keygen -q -t "$t" -N '' -C "root@node$k" -f "$dir/ssh_host_${t}_key"
  done
}

write_known_hosts() {
  local k addr t out=$RUN/known_hosts.new
  : >"$out"
  for k in $(known_nodes); do
    addr=$(host_addr "$k")
    for t in ed25519 ecdsa rsa; do
      printf '%s %s\n' "$addr" "$(cut -d' ' -f1,2 <"$(hostkeys_dir "$k")/ssh_host_${t}_key.pub")" >>"$out"
    done
  done
  mv "$out" "$RUN/known_hosts"
}

# The cgroup this process is in, in every mounted hierarchy (v1 controllers, name=systemd, v2).
current_cgroups() {
  local ctrls path mnt fstype opts
  while IFS=: read -r _ ctrls path; do
    while read -r mnt fstype opts; do
      if [[ -z $ctrls && $fstype == cgroup2 ]] || [[ -n $ctrls && $fstype == cgroup && ,$opts, == *,$ctrls,* ]]; then
        [[ -d $mnt$path ]] && echo "${mnt%/}${path%/}"
      fi
    done < <(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { print $5, $(i + 1), $(i + 3); break } }' /proc/self/mountinfo)
  done </proc/self/cgroup
}

# Each host gets a cgroup of its own below ours in every hierarchy. Without one,
# systemd-nspawn --keep-unit puts every container in the same cgroup, their systemds share
# one tree (system.slice/… collide, units fail with 219/CGROUP), and nothing can be
# measured per host. Best-effort per hierarchy: some (cpuset) refuse new members.
make_cgroups() {
  local k=$1 dir cg
  dir=$(host_dir "$k")
  : >"$dir/cgroups"
  for cg in $(current_cgroups); do
    if mkdir -p "$cg/$(machine_name "$k")" 2>/dev/null; then
      echo "$cg/$(machine_name "$k")" >>"$dir/cgroups"
    fi
  done
}

remove_cgroups() {
  local f cg
  f=$(host_dir "$1")/cgroups
  [[ -f $f ]] || return 0
  while read -r cg; do
    [[ -d $cg ]] && find "$cg" -depth -type d -exec rmdir {} + 2>/dev/null
  done <"$f"
  return 0
}

host_memory_mib() {
  local f cg
  f=$(host_dir "$1")/cgroups
  [[ -f $f ]] || return 0
  while read -r cg; do
    if [[ -f $cg/memory.usage_in_bytes ]]; then echo $(($(<"$cg/memory.usage_in_bytes") >> 20)); return; fi
    if [[ -f $cg/memory.current ]]; then echo $(($(<"$cg/memory.current") >> 20)); return; fi
  done <"$f"
}

start_host() {
  local k=$1 dir addr pid
  dir=$(host_dir "$k")
  addr=$(host_addr "$k")
  mkdir -p "$dir"
  printf '[Match]\nName=host0\n\n[Network]\nAddress=%s/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    "$addr" >"$dir/host0.network"
  echo "$addr" >"$dir/address"
  rm -f "$dir/pid" "$dir/leader"
  machine_name "$k" >"$dir/machine"
  make_cgroups "$k"
  # No systemd/machined on this machine: --register=no plus --keep-unit keep systemd-nspawn
  # off the system bus entirely (without --keep-unit it still asks the bus for a scope),
  # and it runs the container in the cgroups it finds itself in: the host's own.
  (
    while read -r cg; do
      echo "$BASHPID" >"$cg/cgroup.procs" 2>/dev/null || true
    done <"$dir/cgroups"
    exec setsid systemd-nspawn \
      --directory="$ROOTFS" --volatile=overlay --boot \
      --machine="$(machine_name "$k")" --hostname="node$k" \
      --network-bridge="$BRIDGE" \
      --register=no --keep-unit \
      --link-journal=no --resolv-conf=off --timezone=off \
      --console=read-only \
      --bind-ro="$dir/host0.network:/etc/systemd/network/10-host0.network" \
      --bind-ro="$(hostkeys_dir "$k"):/etc/kubexm-fleet/hostkeys"
  ) </dev/null >"$dir/console.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$dir/pid"
  # host_pid only recognises the process once it is systemd-nspawn.
  local i
  for ((i = 0; i < 100; i++)); do
    host_pid "$k" >/dev/null && break
    [[ -d /proc/$pid ]] || break
    sleep 0.05
  done
  log "node$k: started (pid $pid, $addr)"
}

wait_host() {
  local k=$1 deadline=$2 addr pid dir
  addr=$(host_addr "$k")
  dir=$(host_dir "$k")
  until timeout 1 bash -c "exec 3<>/dev/tcp/$addr/22" 2>/dev/null; do
    pid=$(host_pid "$k") || { tail -n 20 "$dir/console.log" >&2; die "node$k: systemd-nspawn exited during boot (log: $dir/console.log)"; }
    ((SECONDS < deadline)) || die "node$k: port 22 not open after ${BOOT_TIMEOUT}s (log: $dir/console.log)"
    sleep 0.2
  done
  # shellcheck disable=SC2046
  until ssh $(ssh_opts) "root@$addr" true 2>"$dir/ssh.err"; do
    ((SECONDS < deadline)) || die "node$k: ssh root@$addr failed: $(<"$dir/ssh.err")"
    sleep 0.5
  done
  # The container's PID 1, for nsenter.
  pid=$(host_pid "$k")
  cat /proc/"$pid"/task/*/children 2>/dev/null | awk '{print $1; exit}' >"$dir/leader"
}

stop_process() {
  local k=$1 pid=$2 leader i
  leader=$(cat "$(host_dir "$k")/leader" 2>/dev/null || true)
  # SIGTERM makes systemd-nspawn shut the container down cleanly.
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 150; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  if [[ -d /proc/$pid ]]; then
    log "node$k: no clean shutdown in 15s, killing"
    kill -KILL "$pid" 2>/dev/null || true
    if [[ -n $leader ]]; then kill -KILL "$leader" 2>/dev/null || true; fi
  fi
  log "node$k: stopped"
  remove_cgroups "$k"
  # systemd-nspawn leaves this empty dir behind when /run is not a tmpfs.
  rmdir "/run/systemd/nspawn/propagate/$(recorded_machine "$k")" 2>/dev/null || true
}

stop_host() {
  local k=$1 pid
  if pid=$(host_pid "$k"); then stop_process "$k" "$pid"; fi
  rm -rf "$(host_dir "$k")"
}

json_status() {
  local k first=1 state
  printf '{"bridge":"%s","subnet":"%s","gateway":"%s","keyPath":"%s","knownHosts":"%s","runDir":"%s","hosts":[' \
    "$BRIDGE" "$SUBNET" "$GATEWAY" "$KEY" "$RUN/known_hosts" "$RUN"
  for k in $(known_nodes); do
    state=down
    host_pid "$k" >/dev/null && state=up
    ((first)) || printf ','
    first=0
    printf '{"name":"node%s","machine":"%s","address":"%s","port":22,"state":"%s","pid":%s}' \
      "$k" "$(recorded_machine "$k")" "$(host_addr "$k")" "$state" "$(host_pid "$k" || echo null)"
  done
  printf ']}\n'
}

text_status() {
  local k pid
  echo "bridge $BRIDGE $GATEWAY/24 ($([[ -f $RUN/bridge.created ]] && echo created by fleet || echo not created by fleet))"
  for k in $(known_nodes); do
    if pid=$(host_pid "$k"); then
      printf 'node%s  %s  up    pid %s  leader %s  memory %s MiB\n' "$k" "$(host_addr "$k")" "$pid" \
        "$(cat "$(host_dir "$k")/leader" 2>/dev/null)" "$(host_memory_mib "$k")"
    else
      printf 'node%s  %s  down\n' "$k" "$(host_addr "$k")"
    fi
  done
}

cmd_up() {
  local n=${1:-}
  [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 240)) || die "usage: fleet.sh up N [--json]  (1 <= N <= 240)"
  load_net
  mkdir -p "$RUN/hosts"
  # The image is the lower layer of every running host's overlay, this fleet's or another's:
  # never touch it under them.
  local k
  if pgrep -f -- "--directory=$ROOTFS " >/dev/null; then
    log "hosts are running from $ROOTFS: using the image as it is"
  else
    "$HERE/rootfs.sh"
  fi
  printf 'BRIDGE=%q\nSUBNET=%q\n' "$BRIDGE" "$SUBNET" >"$RUN/fleet.env"
  # Each host's systemd takes inotify instances from the machine's per-user limit (root's, shared
  # by every host): Debian's 128 runs out at about two dozen hosts ("Too many open files").
  local inotify
  inotify=$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 0)
  if ((inotify < 1024)); then
    log "raising fs.inotify.max_user_instances from $inotify to 1024 (hosts' systemd needs them)"
    sysctl -qw fs.inotify.max_user_instances=1024 || true
  fi
  ensure_bridge
  local started=() t0=$SECONDS
  for ((k = 1; k <= n; k++)); do
    mkdir -p "$(host_dir "$k")"
    ensure_hostkeys "$k" &
  done
  wait
  write_known_hosts
  for ((k = 1; k <= n; k++)); do
    if host_pid "$k" >/dev/null; then
      continue
    fi
    start_host "$k"
    started+=("$k")
  done
  local deadline=$((SECONDS + BOOT_TIMEOUT))
  for ((k = 1; k <= n; k++)); do
    wait_host "$k" "$deadline"
  done
  log "up: $n host(s), ${#started[@]} booted, ssh ready after $((SECONDS - t0))s"
}

# Stop and boot one host again in place; with --volatile=overlay that is a clean host.
reboot_host() {
  local k=$1 pid
  pid=$(host_pid "$k") || die "node$k is not up"
  stop_process "$k" "$pid"
  start_host "$k"
  wait_host "$k" $((SECONDS + BOOT_TIMEOUT))
}

cmd_restart() {
  local k=${1:-}
  [[ $k =~ ^[0-9]+$ ]] || die "usage: fleet.sh restart K"
  load_net
  reboot_host "$k"
  log "node$k: restarted"
}

cmd_rekey() {
  local k=${1:-}
  [[ $k =~ ^[0-9]+$ ]] || die "usage: fleet.sh rekey K"
  load_net
  host_pid "$k" >/dev/null || die "node$k is not up"
  rm -rf "$(hostkeys_dir "$k")"
  ensure_hostkeys "$k"
  write_known_hosts
  reboot_host "$k"
  log "node$k: new host keys"
}

cmd_down() {
  [[ -d $RUN ]] || { log "nothing up"; return; }
  # Only what the run dir records matters here, not the environment.
  unset KUBEXM_FLEET_BRIDGE KUBEXM_FLEET_SUBNET
  load_net
  local k
  for k in $(known_nodes); do
    stop_host "$k" &
  done
  wait
  if [[ -f $RUN/bridge.created ]]; then
    ip link del "$(<"$RUN/bridge.created")" 2>/dev/null || true
    log "removed bridge $(<"$RUN/bridge.created")"
  fi
  rm -rf "$RUN"
}

main() {
  local cmd=${1:-} json=0 a
  shift || true
  local args=()
  for a in "$@"; do
    [[ $a == --json ]] && json=1 || args+=("$a")
  done
  mkdir -p "$(dirname "$RUN")"
  # One fleet command at a time.
  exec 9>"$(dirname "$RUN")/.kubexm-fleet.lock"
  flock 9
  case $cmd in
    up)
      cmd_up "${args[@]}"
      if ((json)); then json_status; else text_status; fi
      ;;
    down) cmd_down ;;
    restart) [[ -d $RUN ]] || die "nothing up"; cmd_restart "${args[@]}" ;;
    rekey) [[ -d $RUN ]] || die "nothing up"; cmd_rekey "${args[@]}" ;;
    status)
      if [[ ! -d $RUN ]]; then
        ((json)) && echo '{"hosts":[]}' || echo "fleet: nothing up"
        return
      fi
      load_net
      if ((json)); then json_status; else text_status; fi
      ;;
    *) die "usage: fleet.sh up N [--json] | down | status [--json] | restart K | rekey K" ;;
  esac
}

main "$@"
