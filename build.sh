#!/usr/bin/env bash
# The one entry point: ./build.sh --target=Run | Test | Demo | HsmSim | Pki | Db | Bootstrap | Build | Clean
# (--exclusive runs a target without the ones it depends on; the exit code is non-zero when a target fails).
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet tool restore >/dev/null
exec dotnet cake build.cake "$@"
