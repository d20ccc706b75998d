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
# The story is a week of November 2026 told in seconds: each command stands at its own moment
# through demo/at.py, which sets the clock inside its own process. keyledger itself takes the
# time from the system clock only; no variable sets it.
moment=2026-11-16T09:00:00+08:00
at() { moment="$1"; }
kl() { python "$here/demo/at.py" "$moment" "$@"; }
show() { printf '\n%s$ keyledger %s%s  %s(%s)%s\n' "$bold" "$*" "$off" "$dim" "$moment" "$off"; kl "$@"; }
as() { kl use-key "$keys/$1" 2>/dev/null; printf '\n%s# %s%s\n' "$dim" "$2" "$off"; }

echo "Setting up a scratch ledger in $ledger from the sample ledger (fresh SSH keys for every steward)…"
for file in "$sample"/stewards/*.yaml; do
  id=$(basename "$file" .yaml)
  ssh-keygen -q -t ed25519 -N "" -C "$id@demo" -f "$keys/$id"
done
supervisor=liu-sj
kl init "$ledger" --community "$(field community "$sample/keyledger.yaml")" \
  --settings "$sample/keyledger.yaml" --supervisor "$supervisor" --name "$(field name "$sample/stewards/$supervisor.yaml")" \
  --key "$keys/$supervisor" 2>/dev/null
for file in "$sample"/stewards/*.yaml; do
  id=$(basename "$file" .yaml)
  [ "$id" = "$supervisor" ] || kl steward add "$id" --from-file "$file" --key "$keys/$id.pub" 2>/dev/null
done
for file in "$sample"/households/*.yaml; do
  kl household add "$(basename "$file" .yaml)" --from-file "$file" 2>/dev/null
done
code=1000
for file in "$sample"/keys/*.yaml; do
  code=$((code + 1357))  # fictional door codes, given on standard input as a script would
  echo "$code" | kl key add --from-file "$file" 2>/dev/null >/dev/null
done
echo "$(ls "$ledger"/stewards | wc -l) stewards, $(ls "$ledger"/households | wc -l) households, $(ls "$ledger"/keys | wc -l) keys, $(git -C "$ledger" rev-list --count HEAD) signed commits."

# The story: week 2026-W48 of the sample community, each step at its own moment.
week=2026-W48
printf 'fake photo of the plants, %s\n' "$work" > "$work/plants.jpg"

at 2026-11-20T09:00:00+08:00
as zhou-lx "Friday before: 周丽霞 plans the week — Wednesday afternoons at 8-1-401, a daily call to 张凤英 (5-1-102), who lives alone."
show schedule add 8-1-401 --every wed --at 14:00-17:00 --purpose inspection --steward a
show schedule add 5-1-102 --every day --at 10:00 --purpose call --steward b --from 2026-11-23
as sun-yp "孙玉萍 books 6-2-601's key: the gas company installs the alarm on Thursday 09:00-11:00."
show reserve K-0009 --from "2026-11-26 09:00" --until "2026-11-26 11:00" --purpose contractor

at 2026-11-23T10:05:00+08:00
as wang-dh "Monday: 王德厚 phones 张凤英."
show visit add 5-1-102 --purpose call --outcome answered --note "电话问候，老人说血压平稳，一切正常"

at 2026-11-25T14:02:00+08:00
as zhou-lx "Wednesday 14:02: 周丽霞 at the cabinet for 8-1-401's plants."
show whoami
show checkout K-0001 --purpose plants --expect-back 2h --note "每周三浇水"
at 2026-11-25T14:10:00+08:00
as wang-dh "王德厚 takes 3-2-502's key to check the heating pipes (and will not bring it back in time)."
show checkout K-0003 --purpose heating --expect-back 1h
as wang-dh "He tries to put back 8-1-401's key, which he does not hold: refused, nothing written."
show return K-0001 || echo "(exit status $?)"
at 2026-11-25T14:40:00+08:00
as zhou-lx "周丽霞 is back: the visit goes into the same commit as the return."
show return K-0001 --visit --check plants=ok --check "heating=problem:卧室暖气片接口渗水" \
  --check windows=ok --check mail=ok --finding "卧室暖气片接口有水迹" --action "拧紧接口，放了接水盆" \
  --photo "$work/plants.jpg" --informed "微信视频" --informed "照片已发" --follow-up 2026-11-26

at 2026-11-26T09:05:00+08:00
as zhao-jm "Thursday 09:05: 赵建明 wants 6-2-601's key — it is reserved for 孙玉萍."
show checkout K-0009 --purpose contractor || echo "(exit status $?)"
as sun-yp "孙玉萍 lets the gas fitter in and the owner watches by video call."
show checkout K-0009 --purpose contractor --expect-back 11:00
at 2026-11-26T10:40:00+08:00
show return K-0009 --visit --check gas=ok --let-in "燃气公司师傅,城市燃气,安装报警器和切断阀" \
  --informed "全程视频连线业主"
at 2026-11-26T11:00:00+08:00
as zhou-lx "周丽霞 comes back to 8-1-401 to check the leak (回访); the door code of 2-3-301's smart lock is next."
show visit add 8-1-401 --purpose follow-up --check heating=ok --note "接口不再渗水"
if (exec 3>/dev/tty) 2>/dev/null; then
  show checkout K-0006 --purpose pets --expect-back 1h
  show return K-0006 --visit --check pets=ok
else
  show checkout K-0006 --purpose pets || echo "(exit status $?: run the demo in a terminal to see the code shown once)"
fi

at 2026-11-27T22:10:00+08:00
as he-cy "Friday 22:10: water under 12-1-101's door; 何春燕 cannot reach the owner, 马晓峰 witnesses."
show checkout K-0020 --purpose emergency --witness ma-xf --expect-back 1h \
  --unreached "22:05 打业主和儿子电话均未接通"
at 2026-11-27T23:30:00+08:00
show return K-0020 --witness ma-xf --visit --check water=problem:"厨房水管爆裂" \
  --action "关闭总阀，联系物业抢修" --informed "已给业主留言" --follow-up 2026-11-28

at 2026-11-28T12:00:00+08:00
as liu-sj "Saturday noon: 刘淑娟, the supervisor, looks at the week."
show status
show due --date 2026-11-28
show history K-0001
show report owner 8-1-401 --week $week
show report household 8-1-401 --from 2026-11-23 --until 2026-11-29
show report weekly --week $week
as liu-sj "Every file valid, every commit signed by the right person and replaying through the rules:"
show check
show verify
printf '\nThe record is plain git: git -C %s log keys/K-0001.yaml\n' "$ledger"
git -C "$ledger" log -2 --format='%h %G? %s%n%(trailers:key=Keyledger-Steward,key=Keyledger-Purpose,key=Keyledger-At)' -- keys/K-0001.yaml
printf '\nThe scratch ledger stays in %s for you to explore (KEYLEDGER_DIR=%s keyledger status).\n' "$ledger" "$ledger"
