#!/usr/bin/env bash
# Remove what a killed swarm test run left behind (test/helpers/swarm-cluster.ts): dockerds, containerds, registry,
# mounts, cgroups, network namespaces, veths, bridges and iptables rules named bsw<id>, and /tmp/bsw-<id>. A cluster
# whose owner process still runs is left alone. SwarmCluster.start() runs the same sweep; this is for by-hand use.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx tsx --input-type=module -e "
import { sweepSwarmClusters } from './test/helpers/swarm-cluster.ts';
const swept = await sweepSwarmClusters();
console.log(swept.length ? 'swept clusters: ' + swept.join(' ') : 'nothing to sweep');
"
