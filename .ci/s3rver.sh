# Sourced by test.sh and bench.sh: installs s3rver 3.7.1 (a Node S3 server that checks signatures) into the cache
# once, with npm, and exports STORYMEDIA_S3RVER, where the S3 store's tests and the benchmark's S3 pipeline find it.
s3rver_dir=${XDG_CACHE_HOME:-$HOME/.cache}/storymedia/s3rver-3.7.1
if [[ ! -x $s3rver_dir/node_modules/.bin/s3rver ]]; then
    command -v npm >/dev/null || { echo "ERROR: s3rver needs npm (apt-get install nodejs npm; ./test.sh installs it)" >&2; exit 1; }
    echo "Installing s3rver 3.7.1 into $s3rver_dir"
    npm install --prefix "$s3rver_dir" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
export STORYMEDIA_S3RVER=$s3rver_dir/node_modules/.bin/s3rver
