# shellcheck shell=bash
# part NAME CMD...: run one part of a make-test stage, print its result and time, and add its time to
# $KOOR_STAGE_TIMES (scripts/test.sh prints them under the stage's line).
part() {
    local name=$1; shift
    local start=$SECONDS rc=0
    echo "--- $name"
    "$@" || rc=$?
    if [ -n "${KOOR_STAGE_TIMES:-}" ]; then
        printf '%s\t%s\t%s\t%s\n' "$((SECONDS - start))" "${KOOR_STAGE:-}" "$name" \
            "$([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)")" >>"$KOOR_STAGE_TIMES"
    fi
    echo "--- $name: $([ "$rc" -eq 0 ] && echo ok || echo "FAILED (exit $rc)") in $((SECONDS - start))s"
    return "$rc"
}
