#!/usr/bin/env bash
# A throwaway single-node Slurm on localhost for the Slurm executor test: munged, slurmctld and slurmd, all state
# under one directory. Usage: localSlurm.sh start DIR | stop DIR. Needs root and Debian's slurm-wlm + munge.
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?state directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
conf="$dir/slurm.conf"

stop() {
  for p in slurmd slurmctld munged; do
    if [ -f "$dir/$p.pid" ]; then
      kill "$(cat "$dir/$p.pid")" 2>/dev/null || true
      rm -f "$dir/$p.pid"
    fi
  done
}

if [ "$cmd" = stop ]; then
  stop
  exit 0
fi

# A start that fails halfway leaves no daemon behind.
trap stop ERR

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 / 2) }' /proc/meminfo)
mkdir -p "$dir/spool/ctld" "$dir/spool/d" "$dir/munge/run" "$dir/munge/log" "$dir/munge/lib"

# munge: its own key and socket, so a test never touches the machine's munge.
dd if=/dev/urandom bs=1 count=1024 of="$dir/munge/munge.key" status=none
chmod 700 "$dir/munge" "$dir/munge/run" "$dir/munge/lib" "$dir/munge/log"
chmod 400 "$dir/munge/munge.key"
sock="$dir/munge/run/munge.socket.2"
munged --key-file="$dir/munge/munge.key" --socket="$sock" --pid-file="$dir/munged.pid" \
  --log-file="$dir/munge/log/munged.log" --seed-file="$dir/munge/lib/munged.seed" --force

# Accounting is off: job states come from squeue while a task lives, and nfx's own result shards afterwards.
cat >"$conf" <<CONF
ClusterName=nfxtest
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
SlurmctldPort=${NFX_SLURMCTLD_PORT:-16817}
SlurmdPort=${NFX_SLURMD_PORT:-16818}
StateSaveLocation=$dir/spool/ctld
SlurmdSpoolDir=$dir/spool/d
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
ReturnToService=2
SlurmdTimeout=30
KillWait=5
MaxArraySize=1001
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF

export SLURM_CONF="$conf"
slurmctld -f "$conf" -i
slurmd -f "$conf"
# Ready when the node accepts work.
for _ in $(seq 1 60); do
  if sinfo -h -o %t 2>/dev/null | grep -Eq '^(idle|mix|alloc)'; then
    echo "$conf"
    exit 0
  fi
  sleep 0.5
done
echo "local Slurm did not come up; see $dir/slurmctld.log and $dir/slurmd.log" >&2
stop
exit 1
