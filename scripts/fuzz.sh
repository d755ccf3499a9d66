#!/usr/bin/env bash
# `make fuzz`: runs libFuzzer (swiftc -sanitize=fuzzer,address) on the JSON parser and on the JOSE/JWT
# parsers for FUZZ_SECONDS each (60), starting from and adding to the corpus in Fuzz/corpus/, which is
# kept in the repository: the tests replay every file in it on each `make test`.
#
# The targets are compiled straight from the sources with swiftc (a SwiftPM build with the sanitizer
# would instrument every dependency): Fuzz/json = Sources/SigmarisJSON + its entry point,
# Fuzz/jose = Sources/SigmarisAuth (less the JWKS cache, the verifier and the signer: they need swift-log) + its entry point.
# A crash leaves its input in .build/fuzz/ (crash-*); add it to the corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-60}
out=.build/fuzz
mkdir -p "$out"
flags=(-sanitize=fuzzer,address -parse-as-library -g -O -module-name SigmarisFuzz)

echo "building the JSON target"
swiftc "${flags[@]}" Sources/SigmarisJSON/*.swift Fuzz/json/FuzzTarget.swift -o "$out/fuzz-json" 2> "$out/build-json.log" \
    || { cat "$out/build-json.log" >&2; exit 1; }
echo "building the JOSE target"
auth_sources=$(ls Sources/SigmarisAuth/*.swift | grep -v -e JWKSCache.swift -e JWTVerifier.swift -e JWTClaimsBuilder.swift -e JWTSigner.swift)
# shellcheck disable=SC2086
swiftc "${flags[@]}" -I Sources/CLibcrypto $auth_sources Fuzz/jose/FuzzTarget.swift -o "$out/fuzz-jose" 2> "$out/build-jose.log" \
    || { cat "$out/build-jose.log" >&2; exit 1; }

status=0
for target in json jose; do
    echo "fuzzing $target for $seconds s (corpus Fuzz/corpus/$target)"
    # New inputs that reach new code go into the corpus; -max_len bounds inputs like the 64 KiB body limit does.
    (cd "$out" && ./"fuzz-$target" -max_total_time="$seconds" -max_len=8192 -timeout=10 -print_final_stats=1 \
        "../../Fuzz/corpus/$target" 2>&1 | tail -n 6) || status=1
    # Keep only the inputs that add coverage, so the corpus in the repository stays small.
    rm -rf "$out/merged-$target"; mkdir -p "$out/merged-$target"
    (cd "$out" && ./"fuzz-$target" -merge=1 -max_len=8192 "merged-$target" "../../Fuzz/corpus/$target" >/dev/null 2>&1) \
        && rm -rf "Fuzz/corpus/$target" && mv "$out/merged-$target" "Fuzz/corpus/$target"
done
echo "corpus: $(ls Fuzz/corpus/json | wc -l) JSON inputs, $(ls Fuzz/corpus/jose | wc -l) JOSE inputs"
exit $status
