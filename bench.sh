#!/usr/bin/env bash
# Builds Release and runs the benchmark: a throwaway PostgreSQL cluster, the server as real child processes, every
# scenario beside its baseline; writes docs/benchmarks.md and its charts (docs/bench-*.png). Takes a few minutes on 2 cores.
#   ./bench.sh            full run, rewrites docs/benchmarks.md and docs/bench-*.png
#   ./bench.sh --smoke    tiny sizes, checks only that every scenario ends correctly; prints the page, leaves docs/ alone
#                         (its charts go to a temporary directory whose files it prints)
#   ./bench.sh --out FILE writes the page elsewhere, its charts beside it
set -euo pipefail
cd "$(dirname "$0")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PGGSSENCMODE=disable
# The S3 store's pipeline runs against s3rver, installed as ./test.sh installs it.
source .ci/s3rver.sh
dotnet build StoryMedia.slnx -c Release -nologo -v quiet -clp:NoSummary
exec dotnet bench/StoryMedia.Bench/bin/Release/net10.0/StoryMedia.Bench.dll "$@"
