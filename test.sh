#!/usr/bin/env bash
# Builds the solution and runs every test project under tests/ on a fresh Debian 12 machine
# (root in CI, or a user with sudo). Extra arguments go to `dotnet test`:
#   ./test.sh --filter FullyQualifiedName~Guard
# The last line is always "N passed, N failed, N skipped"; the exit code is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

missing=()
# Stock Debian keeps initdb off PATH; pg_config (from postgresql-common) knows where it is.
pg_bindir=$(pg_config --bindir 2>/dev/null || true)
[[ -n $pg_bindir && -x $pg_bindir/initdb ]] || missing+=(postgresql)
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
command -v npm >/dev/null || missing+=(nodejs npm)
# The docs' commands, which tests run as written, use these.
for tool in curl jq bc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
done
for package in fonts-dejavu-core libfontconfig1; do
    [[ $(dpkg-query -W -f='${Status}' "$package" 2>/dev/null) == 'install ok installed' ]] || missing+=("$package")
done
if (( ${#missing[@]} )); then
    as_root=()
    if (( EUID != 0 )); then
        command -v sudo >/dev/null || { echo "ERROR: missing packages (${missing[*]}) and no sudo; run as root" >&2; exit 1; }
        as_root=(sudo)
    fi
    echo "Installing ${missing[*]}"
    "${as_root[@]}" apt-get update -qq
    "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The S3 store's tests run against s3rver, installed once into a cache (bench.sh shares the script).
source .ci/s3rver.sh

# The host app's tools: the OpenAPI document is linted with Redocly, and a client generated from it type-checks docs/integration.md (its webhook route verifies with standardwebhooks).
host_tools_dir=${XDG_CACHE_HOME:-$HOME/.cache}/storymedia/host-app-tools-2
if [[ ! -x $host_tools_dir/node_modules/.bin/tsc ]]; then
    echo "Installing the host app's npm tools into $host_tools_dir"
    npm install --prefix "$host_tools_dir" --no-audit --no-fund --loglevel=error \
        @redocly/cli@2.77.0 openapi-typescript@7.13.0 openapi-fetch@0.17.0 typescript@5 @types/node@20 standardwebhooks@1.1.1 >/dev/null
fi
export STORYMEDIA_HOST_TOOLS=$host_tools_dir

summary() { echo "$passed passed, $failed failed, $skipped skipped"; }
passed=0 failed=0 skipped=0 broken=0

if ! dotnet build StoryMedia.slnx -c Release -nologo -v quiet -clp:NoSummary; then
    echo "ERROR: build failed"
    summary
    exit 1
fi

# The tests' files (SQLite databases, media, server output) go to one directory per run, removed at the end.
STORYMEDIA_TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/storymedia-tests.XXXXXX")
export STORYMEDIA_TEST_TMP
trap 'rm -rf "$STORYMEDIA_TEST_TMP"' EXIT

results=$PWD/TestResults
mkdir -p "$results"
shopt -s nullglob
# The test projects; shared test infrastructure (tests/Shared/*/) lives a level deeper and is not one.
projects=(tests/*/*.csproj)
if (( ${#projects[@]} == 0 )); then
    echo "ERROR: no test projects under tests/"
    broken=1
fi

# Sums one attribute of the trx <Counters .../> element held in $counters.
counter() {
    local value
    value=$(sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters")
    echo "${value:-0}"
}

for project in "${projects[@]}"; do
    name=$(basename "$project" .csproj)
    trx=$results/$name.trx
    rm -f "$trx"
    status=0
    dotnet test "$project" -c Release --no-build --results-directory "$results" \
        --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" "$@" || status=$?

    counters=$(grep -o '<Counters [^>]*>' "$trx" 2>/dev/null || true)
    if [[ -z $counters ]]; then
        echo "ERROR: $name crashed or did not run: no test results in $trx (dotnet test exit code $status)"
        broken=1
        continue
    fi
    project_failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
    passed=$(( passed + $(counter passed) ))
    failed=$(( failed + project_failed ))
    # The trx logger leaves Counters' notExecuted at 0 for skipped tests; their results say outcome="NotExecuted".
    skipped=$(( skipped + $(grep -o 'outcome="NotExecuted"' "$trx" | wc -l || true) ))
    if (( status != 0 && project_failed == 0 )); then
        echo "ERROR: $name crashed: dotnet test exit code $status though no test failed (test host crash or aborted run; see above)"
        broken=1
    fi
done

# CI shows only the end of the output, so the failures are repeated here with the first lines of their messages.
if (( failed > 0 )); then
    echo "Failed tests:"
    for trx in "$results"/*.trx; do
        awk '
            /<UnitTestResult / && /outcome="(Failed|Error|Timeout|Aborted)"/ {
                match($0, /testName="[^"]*"/); print "  " substr($0, RSTART + 10, RLENGTH - 11); open = 1; lines = 0; next
            }
            open && /<Message>/ { reading = 1; sub(/.*<Message>/, "") }
            reading {
                last = sub(/<\/Message>.*/, "")
                if (lines++ < 8) print "      " $0
                if (last) { reading = 0; open = 0 }
            }' "$trx" | sed 's/&quot;/"/g; s/&lt;/</g; s/&gt;/>/g; s/&apos;/'"'"'/g; s/&amp;/\&/g'
    done
fi
summary
(( failed == 0 && broken == 0 ))
