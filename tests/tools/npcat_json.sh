#!/usr/bin/env bash
# npcat_json.sh -- npcat --format json, parsed back with npcat_json_field:
#
#   npcat_json.sh --npcat NPCAT --json-field NPCAT_JSON_FIELD
#
#  - bodies that are valid UTF-8 (an empty one, one with a NUL) come as text,
#    others (a lone 0xff, an overlong form, a surrogate, a cut sequence) in
#    base64; "size" is the byte count, "time" ISO 8601 UTC;
#  - PULL has no "request_id"; REQ and REP (raw underneath) print the same
#    id for one exchange, and the next request's is one more; SURVEYOR and
#    RESPONDENT too;
#  - the raw REQ, REP, SURVEYOR and RESPONDENT talk to nanocat's cooked ones.
set -u
here=$(cd "$(dirname "$0")" && pwd)
npcat='' json_field=''
while [ $# -gt 0 ]; do
    case $1 in
        --npcat) npcat=$2 ;;
        --json-field) json_field=$2 ;;
        *) echo "npcat_json.sh: unknown option $1" >&2; exit 70 ;;
    esac
    shift 2
done
source "$here/lib.sh"
[ -x "$npcat" ] || fail "--npcat '$npcat' is not executable"
[ -x "$json_field" ] || fail "--json-field '$json_field' is not executable"
on_fail() { show sender; show receiver; }

# field NAME FILE: NAME of the single JSON line in FILE.
field() { "$json_field" "$1" <"$2"; }

# json_of FILE: the JSON line npcat --pull prints for FILE's bytes, in $work/receiver.out.
json_of() {
    local url=ipc://$work/pull.ipc
    start receiver "$npcat" --pull --bind "$url" --format json --count 1
    start sender "$npcat" --push --connect "$url" -F "$1"
    finish sender
    expect_status sender 0
    finish receiver
    expect_status receiver 0
    [ "$(wc -l <"$work/receiver.out")" = 1 ] || fail "not one line for one message"
    "$json_field" - <"$work/receiver.out" || fail "not JSON"
}

time_pattern='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$'

# expect_body FILE ENCODING: FILE's message comes back with that encoding,
# its size, its bytes, a time and no request id.
expect_body() {
    local file=$1 encoding=$2 out=$work/receiver.out
    json_of "$file"
    [ "$(field encoding "$out")" = "$encoding" ] || fail "$file: encoding $(field encoding "$out"), expected $encoding"
    [ "$(field size "$out")" = "$(stat -c %s "$file")" ] || fail "$file: wrong size"
    [[ "$(field time "$out")" =~ $time_pattern ]] || fail "$file: time $(field time "$out")"
    if [ "$encoding" = base64 ]; then
        [ "$(field body "$out")" = "$(base64 -w0 <"$file")" ] || fail "$file: base64 body differs"
    else
        # The field tool prints the text and a newline.
        "$json_field" body <"$out" | head -c "$(stat -c %s "$file")" | cmp - "$file" \
            || fail "$file: text body differs"
    fi
    "$json_field" request_id <"$out" >/dev/null 2>&1
    [ $? = 3 ] || fail "$file: a PULL message has a request_id"
    echo "$(basename "$file"): $encoding, $(field size "$out") bytes: $(cat "$out")"
}

printf 'h\303\251llo w\303\266rld \342\234\223 "quoted" \\ tab\t.' >"$work/utf8"
: >"$work/empty"
printf 'a\000b' >"$work/nul"
printf 'a\377b' >"$work/ff"
printf '\300\257' >"$work/overlong"
printf '\355\240\200' >"$work/surrogate"
printf 'x\342\202' >"$work/cut"
printf 'a"b\\c\n\r\t\000\177\200\377\303\251 z' >"$work/binary"
for f in utf8 empty nul; do expect_body "$work/$f" utf-8; done
grep -qF '\u0000' "$work/receiver.out" || fail "the NUL is not written as \\u0000"
for f in ff overlong surrogate cut binary; do expect_body "$work/$f" base64; done

# REQ -> REP, both npcat: the ids agree and count up.
url=ipc://$work/reqrep.ipc
start receiver "$npcat" --rep --bind "$url" --format json -D pong --count 2
printf 'q1\nq2\n' >"$work/requests"
START_STDIN=$work/requests start sender "$npcat" --req --connect "$url" --format json
finish sender
expect_status sender 0
finish receiver
expect_status receiver 0
[ "$(field body "$work/receiver.out" | tr '\n' ' ')" = "q1 q2 " ] || fail "REP got other requests"
[ "$(field body "$work/sender.out" | tr '\n' ' ')" = "pong pong " ] || fail "REQ got other replies"
rep_ids=$(field request_id "$work/receiver.out" | tr '\n' ' ')
req_ids=$(field request_id "$work/sender.out" | tr '\n' ' ')
[ "$rep_ids" = "$req_ids" ] || fail "request ids differ: REQ $req_ids, REP $rep_ids"
read -r first second <<<"$req_ids"
[ "$second" = $(((first + 1) & 0x7fffffff)) ] || fail "request ids $req_ids do not count up"
echo "req/rep request ids: $req_ids"

# SURVEYOR -> RESPONDENT, both npcat.
url=ipc://$work/survey.ipc
start receiver "$npcat" --respondent --bind "$url" --format json -D answer
start sender "$npcat" --surveyor --connect "$url" --format json -D question -i 0.3 --count 1
finish sender
expect_status sender 0
stop receiver
[ "$(field body "$work/sender.out")" = answer ] || fail "SURVEYOR got another response"
survey_id=$(field request_id "$work/sender.out")
has_line <(field request_id "$work/receiver.out") "$survey_id" \
    || fail "the RESPONDENT never saw survey $survey_id"
echo "survey id: $survey_id"

# The raw sockets against nanocat's cooked ones, both ways.
url=ipc://$work/nanocat-rep.ipc
start receiver nanocat --rep --bind "$url" -D pong -Q
start sender "$npcat" --req --connect "$url" --format json -D ping
finish sender
expect_status sender 0
stop receiver
[ "$(field body "$work/sender.out")" = pong ] || fail "npcat REQ (raw) got no reply from nanocat"
field request_id "$work/sender.out" >/dev/null || fail "no request id"

url=ipc://$work/nanocat-req.ipc
start receiver "$npcat" --rep --bind "$url" --format json -D pong --count 1
start sender nanocat --req --connect "$url" -D ping -Q
finish receiver
expect_status receiver 0
finish sender
expect_status sender 0
[ "$(field body "$work/receiver.out")" = ping ] || fail "npcat REP (raw) got no request"
[ "$(cat "$work/sender.out")" = '"pong"' ] || fail "nanocat REQ got no reply from npcat REP (raw)"

url=ipc://$work/nanocat-respondent.ipc
start receiver nanocat --respondent --bind "$url" -D answer -Q
start sender "$npcat" --surveyor --connect "$url" --format json -D question -i 0.3 --count 1
finish sender
expect_status sender 0
stop receiver
[ "$(field body "$work/sender.out")" = answer ] || fail "npcat SURVEYOR (raw) got no response"

url=ipc://$work/nanocat-surveyor.ipc
start receiver "$npcat" --respondent --bind "$url" --format json -D answer
start sender nanocat --surveyor --connect "$url" -D question -Q -i 0.3
wait_until "nanocat's surveyor to get the answer" has_line "$work/sender.out" '"answer"'
stop sender
stop receiver
[ "$(field body "$work/receiver.out" | sort -u)" = question ] || fail "npcat RESPONDENT (raw) got other surveys"
echo PASS
