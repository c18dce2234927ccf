# shellcheck shell=bash
# verdict RC: "ok", or "FAILED (exit RC)": how a stage, a part or a stream ended.
verdict() {
    if [ "$1" -eq 0 ]; then echo ok; else echo "FAILED (exit $1)"; fi
}

# part NAME CMD...: run one part of a make-test stage, print its result and time, and add its time to
# $KOOR_STAGE_TIMES (scripts/test.sh prints them under the stage's line).
part() {
    local name=$1; shift
    local start=$SECONDS rc=0
    echo "--- $name"
    "$@" || rc=$?
    if [ -n "${KOOR_STAGE_TIMES:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$((SECONDS - start))" "${KOOR_STAGE:-}" "$name" \
            "$(verdict "$rc")" >>"$KOOR_STAGE_TIMES"
    fi
    echo "--- $name: $(verdict "$rc") in $((SECONDS - start))s"
    return "$rc"
}
