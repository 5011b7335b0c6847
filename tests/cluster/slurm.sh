#!/usr/bin/env bash
# Bring a single-node SLURM up for the cluster test, or tear down what `up` started.
#   tests/cluster/slurm.sh up     use a reachable SLURM, or install (Debian: slurm-wlm, munge) and start one
#   tests/cluster/slurm.sh down   stop, by process id, only the daemons `up` started
# Starting SLURM needs root (no systemd here: the daemons are started directly). Without root or a package
# manager it says so and exits non-zero: the cluster test must never pass without a cluster.
# The config goes to SLURM's default path: jobs run `srun` with the SLURM_* variables cleared, so a
# SLURM_CONF elsewhere would not reach them. A slurm.conf there that this script did not write is left alone.
set -euo pipefail
# The daemons, runuser and scontrol live in sbin, which a plain user's PATH (and `env -i`) leaves out.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
STATE=${PRUNABILITY_SLURM_STATE:-/tmp/prunability-slurm}
HERE=$(cd "$(dirname "$0")" && pwd)
CONF=/etc/slurm/slurm.conf
MARK="# written by prunability tests/cluster/slurm.sh"

say() { printf 'slurm.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

reachable() {
  # An existing SLURM: the machine's own, or one this script started before.
  command -v scontrol >/dev/null 2>&1 && timeout 10 scontrol ping 2>/dev/null | grep -q UP
}

install_packages() {
  command -v slurmctld >/dev/null 2>&1 && command -v munged >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || die "SLURM is not installed and there is no apt-get to install it (Debian: slurm-wlm, munge)"
  say "installing slurm-wlm and munge (about a minute)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
}

start_munge() {
  if [ -S /run/munge/munge.socket.2 ] && munge -n </dev/null >/dev/null 2>&1; then return 0; fi
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  fi
  mkdir -p "$STATE/munge" && chown munge:munge "$STATE/munge"
  runuser -u munge -- /usr/sbin/munged --pid-file="$STATE/munge/munged.pid"
  echo munged >>"$STATE/started"
}

render_conf() {
  local cpus memory
  cpus=$(nproc)
  memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))
  if [ -f "$CONF" ] && ! grep -qxF "$MARK" "$CONF"; then
    die "$CONF exists but no SLURM answers; not overwriting it (start that cluster, or move the file away)"
  fi
  mkdir -p "$(dirname "$CONF")"
  { echo "$MARK"; sed -e "s#@STATE@#$STATE#g" -e "s#@CPUS@#$cpus#g" -e "s#@MEMORY@#$memory#g" "$HERE/slurm.conf.in"; } >"$CONF"
}

up() {
  if reachable; then say "using the SLURM that is already up"; return 0; fi
  [ "$(id -u)" = 0 ] || die "no SLURM is reachable and starting one needs root (run it as root, or start a SLURM that answers scontrol ping)"
  install_packages
  rm -rf "$STATE/ctld" "$STATE/d"  # a throwaway cluster: no jobs carried over from an earlier start
  mkdir -p "$STATE/ctld" "$STATE/d"
  : >"$STATE/started"
  chown slurm:slurm "$STATE/ctld"
  chmod 0755 "$STATE"
  render_conf
  start_munge
  /usr/sbin/slurmctld && echo slurmctld >>"$STATE/started"
  /usr/sbin/slurmd -N localhost && echo slurmd >>"$STATE/started"
  for _ in $(seq 60); do
    if timeout 20 srun -t 1 true >/dev/null 2>&1; then say "SLURM is up ($CONF)"; return 0; fi
    sleep 1
  done
  die "SLURM did not answer within 60 s; see $STATE/slurmctld.log and $STATE/slurmd.log"
}

down() {
  [ -f "$STATE/started" ] || { say "nothing started by this script"; return 0; }
  local name pid
  for name in slurmd slurmctld munged; do
    grep -qx "$name" "$STATE/started" || continue
    pid=$(cat "$STATE/$name.pid" "$STATE/munge/$name.pid" 2>/dev/null | head -1 || true)
    [ -n "$pid" ] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$pid" 2>/dev/null || true
  done
  rm -f "$STATE/started"
  if grep -qxF "$MARK" "$CONF" 2>/dev/null; then rm -f "$CONF"; fi
  say "stopped what was started"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  *) die "usage: $0 up|down" ;;
esac
