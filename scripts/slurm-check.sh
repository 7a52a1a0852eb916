#!/usr/bin/env bash
# Runs the README's Slurm recipe for real on a single-node Slurm (Debian's slurm-wlm and munge):
# a sweep as an array job of shards, `blastsim merge` in a job that waits for the array
# (afterok), and a check that the merged files are byte-identical to one local sweep.
#
# Usage: scripts/slurm-check.sh [BLASTSIM]   (default: target/release/blastsim; run as root)
# Needs: apt-get install slurm-wlm munge. Leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
bin=$(realpath "${1:-target/release/blastsim}")
[ -x "$bin" ] || { echo "slurm-check: no blastsim binary at $bin (cargo build --release)"; exit 2; }
for tool in slurmctld slurmd munged sbatch squeue sinfo; do
  command -v "$tool" >/dev/null || { echo "slurm-check: $tool is missing: apt-get install slurm-wlm munge"; exit 2; }
done

work=$(mktemp -d /tmp/blastsim-slurm.XXXXXX)
chmod 755 "$work"
host=$(hostname -s)
cleanup() {
  [ -f "$work/slurmd.pid" ] && kill "$(cat "$work/slurmd.pid")" 2>/dev/null || true
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null || true
  [ -f "$work/munged.pid" ] && kill "$(cat "$work/munged.pid")" 2>/dev/null || true
  sleep 1
  rm -rf "$work"
}
trap cleanup EXIT

# munge: a key of our own and a daemon on a socket of our own.
mkdir -p "$work/munge"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$work/munge"
chmod 711 "$work/munge"
chmod 400 "$work/munge/munge.key"
runuser -u munge -- munged --key-file="$work/munge/munge.key" --socket="$work/munge/munge.socket" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/seed"
cp "$work/munge/munged.pid" "$work/munged.pid"

cpus=$(nproc)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=blastsim-check
SlurmctldHost=$host
AuthType=auth/munge
AuthInfo=socket=$work/munge/munge.socket
SlurmUser=root
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
mkdir -p "$work/state" "$work/spool"
slurmctld -c
slurmd
for _ in $(seq 60); do
  sinfo -h -o '%t' 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o '%t' | grep -q idle || { echo "slurm-check: the node never became idle"; cat "$work"/slurm*.log; exit 1; }

# The recipe, scaled to a check: 4 shards of a small sweep.
shards=4
sweep=(sweep "$repo/topologies/retry-storm.toml" --param 'services.back.capacity=80/s..120/s:5' --runs 3 --seed 1 --service front --no-progress)
cat > "$work/array.sh" <<JOB
#!/bin/bash
#SBATCH --array=1-$shards
#SBATCH --cpus-per-task=1
#SBATCH --output=$work/array-%a.log
export RAYON_NUM_THREADS=\$SLURM_CPUS_PER_TASK
"$bin" ${sweep[*]@Q} --shard "\$SLURM_ARRAY_TASK_ID/$shards" --out "$work/shards/\$SLURM_ARRAY_TASK_ID"
JOB
cat > "$work/merge.sh" <<JOB
#!/bin/bash
#SBATCH --output=$work/merge.log
"$bin" merge --out "$work/results" "$work"/shards/*
JOB
array=$(sbatch --parsable --chdir="$work" "$work/array.sh")
merge=$(sbatch --parsable --chdir="$work" --dependency="afterok:$array" "$work/merge.sh")
echo "slurm-check: array job $array, merge job $merge"
for _ in $(seq 600); do
  [ -z "$(squeue -h -j "$array,$merge" 2>/dev/null)" ] && break
  sleep 1
done
[ -f "$work/results/sweep.json" ] || {
  echo "slurm-check: the merge job wrote nothing"
  cat "$work"/array-*.log "$work"/merge.log "$work"/slurmctld.log 2>/dev/null | tail -40
  exit 1
}

# The same sweep on this machine, unsharded: every file must be byte-identical.
"$bin" "${sweep[@]}" --out "$work/local" >/dev/null
for f in sweep.json sweep.csv sweep.svg sweep.png; do
  cmp "$work/results/$f" "$work/local/$f" || { echo "slurm-check: $f differs between the Slurm merge and the local sweep"; exit 1; }
done
echo "slurm-check: $shards shards run by Slurm and merged are byte-identical to the local sweep (sweep.json, sweep.csv, sweep.svg, sweep.png)"
