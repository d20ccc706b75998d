#!/usr/bin/env bash
# The demo: a scratch copy of the sample ledger in ledger/, fresh demo signing keys, and a short
# day of a steward's work — checkout, status, return, history — shown as the steward sees it.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
sample="$here/ledger"
work=$(mktemp -d "${TMPDIR:-/tmp}/keyledger-demo.XXXXXX")
ledger="$work/ledger"
keys="$work/keys"
mkdir -p "$keys"
export KEYLEDGER_DIR="$ledger"

field() { sed -n "s/^$1: *//p" "$2" | head -n1; }
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$'\033[1m' dim=$'\033[2m' off=$'\033[0m'; else bold= dim= off=; fi
show() { printf '\n%s$ keyledger %s%s\n' "$bold" "$*" "$off"; keyledger "$@"; }
as() { keyledger use-key "$keys/$1" 2>/dev/null; printf '\n%s# %s%s\n' "$dim" "$2" "$off"; }

echo "Setting up a scratch ledger in $ledger from the sample ledger (fresh SSH keys for every steward)…"
for file in "$sample"/stewards/*.yaml; do
  id=$(basename "$file" .yaml)
  ssh-keygen -q -t ed25519 -N "" -C "$id@demo" -f "$keys/$id"
done
supervisor=liu-sj
keyledger init "$ledger" --community "$(field community "$sample/keyledger.yaml")" \
  --settings "$sample/keyledger.yaml" --supervisor "$supervisor" --name "$(field name "$sample/stewards/$supervisor.yaml")" \
  --key "$keys/$supervisor" 2>/dev/null
for file in "$sample"/stewards/*.yaml; do
  id=$(basename "$file" .yaml)
  [ "$id" = "$supervisor" ] || keyledger steward add "$id" --from-file "$file" --key "$keys/$id.pub" 2>/dev/null
done
for file in "$sample"/households/*.yaml; do
  keyledger household add "$(basename "$file" .yaml)" --from-file "$file" 2>/dev/null
done
code=1000
for file in "$sample"/keys/*.yaml; do
  code=$((code + 1357))  # fictional door codes, given on standard input as a script would
  echo "$code" | keyledger key add --from-file "$file" 2>/dev/null >/dev/null
done
echo "$(ls "$ledger"/stewards | wc -l) stewards, $(ls "$ledger"/households | wc -l) households, $(ls "$ledger"/keys | wc -l) keys, $(git -C "$ledger" rev-list --count HEAD) signed commits."

as wang-dh "王德厚 went to 3-2-502 this morning to check the heating pipes; he has not come back yet."
KEYLEDGER_NOW=$(date -d '-3 hours' --iso-8601=seconds) \
  show checkout K-0003 --purpose heating --expect-back 2h --note "检查暖气管道接口"

as zhou-lx "周丽霞 at the cabinet on Wednesday afternoon: the plants at 8-1-401."
show whoami
show checkout K-0001 --purpose plants --expect-back 2h --note "每周三浇水，拍照发给王阿姨"
show status

as wang-dh "王德厚 tries to put back a key he does not hold: refused, nothing written."
show return K-0001 || echo "(exit status $?)"

as zhou-lx "周丽霞 is back from 8-1-401."
show return K-0001 --note "绿萝、君子兰已浇水，窗户关好"
show status
show history K-0001
show history 8-1-401
show household show 8-1-401
printf '\nThe record is plain git: git -C %s log keys/K-0001.yaml\n' "$ledger"
git -C "$ledger" log -2 --format='%h %G? %s%n%(trailers:key=Keyledger-Steward,key=Keyledger-Purpose,key=Keyledger-At)' -- keys/K-0001.yaml
printf '\nThe scratch ledger stays in %s for you to explore (KEYLEDGER_DIR=%s keyledger status).\n' "$ledger" "$ledger"
