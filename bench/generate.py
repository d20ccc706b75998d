"""Build a synthetic keyledger ledger of a given size, quickly.

    .venv/bin/python bench/generate.py --households 1000 --keys 200 --commits 10000 --out /tmp/x

What it makes, in OUT (a git repository keyledger accepts and `keyledger verify` passes, work
tree checked out and clean):

- `keyledger.yaml` (a street office, Asia/Shanghai, zh_CN, the default expected-back policy);
- a supervisor and twelve stewards in six A/B pairs, with real ed25519 keys made by ssh-keygen in
  OUT/../<name>-keys/ (or --keys-dir), registered in `stewards/`;
- N households with fictional names and addresses (composed from lists of surnames, given-name
  characters and invented estates), each with a pair, an authorization over the whole period,
  some with schedules; M keys K-000001…, each in a household, each in its own cabinet slot;
- C commits of custody history, checkout/return pairs by the households' stewards in working
  hours over the last two years, with the subject lines and Keyledger-* trailers keyledger itself
  writes, each changing its key's file as keyledger would;
- every commit SSH-signed by the steward it names (--sign all, the default): the founding
  commits and the last five by git itself (`git commit-tree -S`), the custody history in this
  process (ed25519 signatures are deterministic: the bytes are ssh-keygen's, checked against
  git's for the tips); `--sign tips` leaves the custody history unsigned;
- the clone configured as `keyledger use-key` does for the steward of the benchmark key, the
  commit-graph with changed-path Bloom filters, and a manifest (keys folder, manifest.json).

Every file comes from keyledger's own model classes and `keyledger.yaml.dump`; the hot loop fills
a per-key text template instead, and a sample of commits (the first 200, one in 1,000 and every
tip) is recomputed through keyledger's custody rules (`rules.apply`), `custody._subject` and
`gitops.format_message`: the generator stops if a byte differs.

Two ways of writing the history, the same objects byte for byte (same commit ids for a --seed
and --now): `fast-import` (git fast-import fed a stream; git 2.39's cannot write signatures, so
only with --sign tips), and `pack`, the default: this script writes the pack and its index. A flat
keys/ folder of 20,000 files makes every commit a new 840 KB tree, which fast-import re-sorts,
re-hashes and re-deltifies at ~15 ms a commit (4 hours for a million); here the tree is patched
in place, hashed on two threads and stored as a delta against version v & (v - 1), so no chain is
deeper than ~15 and a delta holds only the files changed since its base. With the pack back end
the commit-graph is written here too (--commit-graph own: OIDF, OIDL, CDAT, GDA2, BIDX, BDAT,
byte for byte what `git commit-graph write --reachable --changed-paths` writes, which diffs every
commit's trees: ~30 minutes at a million; --commit-graph both checks the two are identical).
"""

from __future__ import annotations

import argparse
import array
import base64
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import time
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time as dtime, timedelta, timezone
from pathlib import Path

from keyledger import gitops, yaml
from keyledger.model import (DEFAULT_EXPECTED_BACK, Authorization, Away, Contact, Household, Key,
                             Person, ScheduleEntry, Steward, parse_household, parse_key,
                             parse_settings, parse_steward)

TZ = timezone(timedelta(hours=8))  # Asia/Shanghai has had no daylight saving since 1991
TZ_GIT = "+0800"
COMMUNITY = "春江街道"

SUPERVISOR = ("gao-ym", "高月梅", "13900000100")
# Six A/B pairs; names invented for the benchmark.
STEWARDS = [("tang-jh", "唐建华"), ("song-lp", "宋丽萍"), ("lu-wq", "卢文清"), ("fan-xm", "范晓敏"),
            ("cao-gy", "曹桂英"), ("xie-zh", "谢志豪"), ("jiang-hy", "蒋海燕"), ("du-ml", "杜明亮"),
            ("pan-sf", "潘淑芬"), ("yu-jw", "余俊伟"), ("shen-yx", "沈雅馨"), ("zeng-dq", "曾德全")]
PAIRS = [(STEWARDS[2 * i][0], STEWARDS[2 * i + 1][0]) for i in range(6)]
NAMES = {SUPERVISOR[0]: SUPERVISOR[1], **dict(STEWARDS)}

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
            "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺"
            "顾毛郝龚邵万钱严覃武戴莫孔向汤")
GIVEN = ("秀兰桂英玉珍凤芳淑华建国志强德明海燕丽娟文军晓梅春红庆立新永刚萍慧敏雪俊杰子涵浩然欣怡"
         "宇轩玉梅金凤振华家豪思远婷静伟波雅琴佳琪瑞云长林福根月娥素珍")
# Invented estates (小区) of the street office: full name, the short form used in ids.
ESTATES = [("翠柳苑", "翠柳"), ("福安里", "福安"), ("和平新村", "和平"), ("锦绣花园", "锦绣"),
           ("丰泽园", "丰泽"), ("永康小区", "永康"), ("新华里", "新华"), ("兴隆家园", "兴隆"),
           ("康乐苑", "康乐"), ("长青小区", "长青"), ("枫林苑", "枫林"), ("望湖小区", "望湖"),
           ("金桥新村", "金桥"), ("安宁里", "安宁"), ("梅园小区", "梅园"), ("桃源居", "桃源")]
ESTATE_NAMES = {short: name for name, short in ESTATES}
BUILDINGS, UNITS, FLOORS, ROOMS = 60, 3, 18, 2
PER_ESTATE = BUILDINGS * UNITS * FLOORS * ROOMS
RELATIONS = ("女儿", "儿子", "侄子", "外甥女", "邻居", "儿媳", "女婿")
HEALTH = ("高血压", "糖尿病", "关节炎", "耳背，戴助听器", "腿脚不便", None, None, None)
AWAY_NOTES = ("去三亚过冬", "去海南儿子家过冬", "去厦门女儿家", "回老家过年", "去深圳带孙子")
CONDITIONS = ("燃气、暖气入户施工须与业主视频连线", "施工人员入户时网格员全程在场",
              "入户前先电话联系老人或紧急联系人", "入户拍照发给业主")
HOUSE_NOTES = ("", "", "阳台的绿萝和吊兰每周浇一次水。", "暖气片在客厅和主卧窗下各一组，阀门在厨房。",
               "家里有只猫，猫粮在阳台储物柜。", "老人耳背，先打电话，不接再敲门。",
               "厨房水龙头关不严，已报物业维修。", "门锁是电子密码锁，备用钥匙在柜里。")
SHOPS = ("面馆", "便利店", "五金店", "裁缝铺", "理发店", "水果店", "药店")
ALL_PURPOSES = ("inspection", "plants", "pets", "heating", "contractor", "repair", "delivery",
                "other")
KEY_LABELS = ("入户门钥匙，两把一串", "入户门钥匙，蓝色钥匙套", "入户门钥匙，红绳", "防盗门钥匙",
              "入户门钥匙，带小铃铛")
SECOND_LABELS = (("card", "单元门禁卡"), ("physical", "信箱钥匙，小铜钥匙"),
                 ("physical", "车库门钥匙"))
CHECKOUT_NOTES = ("每周三浇水", "燃气公司上门抄表", "暖气试水", "物业维修水管", "代收快递",
                  "业主视频连线确认", "看一眼门窗")
RETURN_NOTES = ("绿萝已浇水，窗户关好", "一切正常，已报平安", "暖气不漏水", "猫已喂，水已换",
                "维修完成，已拍照发给业主", "快递已放进门内", "门窗已锁好")
TIPS = 5


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, TZ).isoformat(timespec="seconds")


# ----------------------------------------------------------------------------------------------
# Households and keys: records made with keyledger's own model, text by keyledger.yaml.dump.

@dataclass(frozen=True)
class HH:
    index: int
    id: str
    name: str
    pair_a: str
    pair_b: str
    care: tuple[str, ...]


def make_household(i: int, seed: int, period: tuple[date, date, date]) -> Household:
    """Household number i, the same for a given seed whichever process makes it."""
    rng = random.Random(seed * 1_000_003 + i)
    auth_from, until, today = period
    estate_no, rest = divmod(i, PER_ESTATE)
    estate, short = ESTATES[estate_no % len(ESTATES)]
    if estate_no >= len(ESTATES):  # a street office larger than the list: second phases
        phase = estate_no // len(ESTATES) + 1
        estate, short = f"{estate}{phase}期", f"{short}{phase}"
    building, rest = divmod(rest, UNITS * FLOORS * ROOMS)
    unit, rest = divmod(rest, FLOORS * ROOMS)
    floor, room = divmod(rest, ROOMS)
    surname = rng.choice(SURNAMES)
    name = surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
    pair_a, pair_b = PAIRS[(i // (UNITS * FLOORS * ROOMS)) % len(PAIRS)]
    auth = Authorization(signed_on=auth_from - timedelta(days=rng.randint(1, 10)), start=auth_from,
                         until=until, purposes=ALL_PURPOSES,
                         conditions=tuple(rng.sample(CONDITIONS, rng.choice((0, 0, 1, 2)))))
    if i % 97 == 50:  # a shop on the ground floor
        n = i // 97 + 1
        return Household(id=f"{short}-商铺-{n:03d}", name=f"{surname}记{rng.choice(SHOPS)}",
                         address=f"{estate}底商{n}号", kind="merchant",
                         people=(Person(name, rng.randint(1960, 1995), f"138{i:08d}"),),
                         flags=("merchant",), care=("doors", "electricity"), pair_a=pair_a,
                         pair_b=pair_b, authorization=auth, notes="节假日闭店期间每天巡查一次。")
    born = rng.randint(1935, 1995)
    people = [Person(name, born, f"138{i:08d}", rng.choice(HEALTH) if born < 1960 else None)]
    if rng.random() < 0.5:
        people.append(Person(rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                             born + rng.randint(-3, 3)))
    flags = []
    if born < 1960:
        flags.append("elderly")
        if len(people) == 1 and rng.random() < 0.5:
            flags.append("lives-alone")
    else:
        flags.append("commuter") if rng.random() < 0.5 else None
    away = ()
    if born < 1960 and rng.random() < 0.4:
        flags.append("away-season")
        season = today.year if today.month >= 5 else today.year - 1
        away = (Away(date(season, 11, 1), date(season + 1, 4, 15), rng.choice(AWAY_NOTES)),)
    if rng.random() < 0.2:
        flags.append("pet")
    care = sorted(set(rng.sample(("plants", "heating", "windows", "gas", "water", "mail", "doors"),
                                 rng.randint(1, 3)) + (["pets"] if "pet" in flags else [])))
    schedule = []
    roll = rng.random()
    if roll < 0.08:
        schedule.append(ScheduleEntry(("wed",), dtime(14), dtime(17), "inspection", "a"))
    elif roll < 0.12:
        schedule.append(ScheduleEntry(("day",), dtime(10), None, "call", "b"))
    elif roll < 0.14:
        schedule.append(ScheduleEntry(("mon", "thu"), dtime(9), dtime(10), "pets", "a",
                                      while_away=True))
    relation = rng.choice(RELATIONS)
    contact = Contact(surname + rng.choice(GIVEN) + rng.choice(GIVEN), relation, f"139{i:08d}")
    return Household(id=f"{short}-{building + 1}-{unit + 1}-{floor + 1}{room + 1:02d}", name=name,
                     address=f"{estate}{building + 1}号楼{unit + 1}单元{floor + 1}{room + 1:02d}",
                     people=tuple(people), contacts=(contact,), flags=tuple(flags), away=away,
                     care=tuple(care), pair_a=pair_a, pair_b=pair_b, authorization=auth,
                     schedule=tuple(schedule), notes=rng.choice(HOUSE_NOTES))


def household_chunk(args: tuple[int, int, int, tuple[date, date, date]]) -> list[tuple[HH, bytes]]:
    start, stop, seed, period = args
    out = []
    for i in range(start, stop):
        h = make_household(i, seed, period)
        out.append((HH(i, h.id, h.name, h.pair_a or "", h.pair_b or "", h.care),
                    yaml.dump(h.to_dict()).encode()))
    return out


def households(n: int, seed: int, period: tuple[date, date, date]):
    """Yields (HH, text) in order; two processes dump YAML when there are many."""
    chunks = [(s, min(n, s + 2000), seed, period) for s in range(0, n, 2000)]
    if n < 20000:
        for chunk in chunks:
            yield from household_chunk(chunk)
        return
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(2) as pool:
        for part in pool.imap(household_chunk, chunks):
            yield from part


def slot_name(j: int) -> str:
    cabinet, position = divmod(j, 50)
    letters = ""
    cabinet += 1
    while cabinet:
        cabinet, r = divmod(cabinet - 1, 26)
        letters = chr(65 + r) + letters
    return f"{letters}-{position + 1:02d}"


def key_households(m: int, n: int) -> list[int]:
    """The household of each key: spread over the office, one in eight households with two."""
    out: list[int] = []
    holders = max(1, min(n, (m * 8 + 8) // 9))
    t = 0
    while len(out) < m:
        h = (t * n // holders) % n
        out.append(h)
        if t % 8 == 0 and len(out) < m:
            out.append(h)
        t += 1
    return out


# ----------------------------------------------------------------------------------------------
# Writing history: two back ends taking the same commits.

def commit_object(tree: str, parent: str | None, who: bytes, message: bytes,
                  signer: "SSHSigner | None" = None) -> bytes:
    head = (b"tree " + tree.encode() + b"\n" + (b"parent " + parent.encode() + b"\n" if parent
                                                else b"")
            + b"author " + who + b"\ncommitter " + who + b"\n")
    if signer is None:
        return head + b"\n" + message
    armored = signer.sign(head + b"\n" + message)
    return head + b"gpgsig " + armored.rstrip(b"\n").replace(b"\n", b"\n ") + b"\n\n" + message


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


class SSHSigner:
    """What `git commit -S` with gpg.format=ssh gets from `ssh-keygen -Y sign -n git`, made in
    this process: ed25519 signatures are deterministic, so the bytes are the same (checked
    against git's own signed tips)."""

    def __init__(self, private_key: Path) -> None:
        from cryptography.hazmat.primitives.serialization import (Encoding, PublicFormat,
                                                                  load_ssh_private_key)
        self.key = load_ssh_private_key(private_key.read_bytes(), password=None)
        raw = self.key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        public = _string(b"ssh-ed25519") + _string(raw)
        self.signed_prefix = b"SSHSIG" + _string(b"git") + _string(b"") + _string(b"sha512")
        self.blob_prefix = (b"SSHSIG" + struct.pack(">I", 1) + _string(public) + _string(b"git")
                            + _string(b"") + _string(b"sha512"))

    def sign(self, payload: bytes) -> bytes:
        digest = hashlib.sha512(payload).digest()
        signature = self.key.sign(self.signed_prefix + _string(digest))
        blob = self.blob_prefix + _string(_string(b"ssh-ed25519") + _string(signature))
        b64 = base64.b64encode(blob)
        lines = b"\n".join(b64[i:i + 70] for i in range(0, len(b64), 70))
        return b"-----BEGIN SSH SIGNATURE-----\n" + lines + b"\n-----END SSH SIGNATURE-----\n"


class FastImport:
    """git fast-import, fed a stream: blobs inline, one commit after another on refs/heads/main."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._start(None)

    def _start(self, parent: str | None) -> None:
        self.proc = subprocess.Popen(["git", "-C", str(self.repo), "fast-import", "--quiet",
                                      "--done", "--depth=50"], stdin=subprocess.PIPE, env=git_env())
        self.out = self.proc.stdin
        self.parent = parent

    def commit(self, who: bytes, message: bytes, files: list[tuple[str, bytes]], ts: int) -> None:
        w = self.out.write
        w(b"commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n%s\n"
          % (who, who, len(message), message))
        if self.parent:
            w(b"from %s\n" % self.parent.encode())
            self.parent = None
        for path, data in files:
            w(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        w(b"\n")

    def finish(self) -> None:
        self.out.write(b"done\n")
        self.out.close()
        if self.proc.wait() != 0:
            sys.exit("git fast-import failed")

    def trees(self) -> list[str]:
        """The root trees of the commits so far, oldest first (the founding commits)."""
        self.finish()
        return git(self.repo, "log", "--reverse", "--format=%T", "refs/heads/main").split()

    def restart(self, parent: str, graph: "CommitGraph | None" = None,
                signers: "dict[bytes, SSHSigner] | None" = None) -> None:
        self._start(parent)


_TYPES = {1: b"commit", 2: b"tree", 3: b"blob"}


def deflate(data: bytes | bytearray) -> bytes:
    """zlib with a window and memory sized to the object: zlib.compress sets up 256 KB of state
    each call, which costs more than compressing a 400-byte key file."""
    n = len(data)
    if n > 16384:
        return zlib.compress(data, 1)
    c = zlib.compressobj(6, zlib.DEFLATED, max(9, n.bit_length()), 1)
    return c.compress(data) + c.flush()


def _obj_header(kind: int, size: int) -> bytes:
    out = bytearray()
    byte = (kind << 4) | (size & 0x0F)
    size >>= 4
    while size:
        out.append(byte | 0x80)
        byte = size & 0x7F
        size >>= 7
    out.append(byte)
    return bytes(out)


def _ofs(distance: int) -> bytes:
    out = [distance & 0x7F]
    distance >>= 7
    while distance:
        distance -= 1
        out.insert(0, 0x80 | (distance & 0x7F))
        distance >>= 7
    return bytes(out)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _copy(out: bytearray, offset: int, size: int) -> None:
    while size:
        n = min(size, 0xFFFFFF)
        op, args = 0x80, bytearray()
        for i in range(4):
            b = (offset >> (8 * i)) & 0xFF
            if b:
                op |= 1 << i
                args.append(b)
        for i in range(3):
            b = (n >> (8 * i)) & 0xFF
            if b:
                op |= 0x10 << i
                args.append(b)
        out.append(op)
        out += args
        offset += n
        size -= n


def make_delta(buf: bytearray, offsets: list[int], width: int = 20) -> bytes:
    """A git delta from the base (same length, differing only at `offsets`) to `buf`."""
    out = bytearray(_varint(len(buf)) * 2)
    pos = 0
    for off in offsets:
        if off > pos:
            _copy(out, pos, off - pos)
        out.append(width)
        out += buf[off:off + width]
        pos = off + width
    if pos < len(buf):
        _copy(out, pos, len(buf) - pos)
    return bytes(out)


class Pack:
    """A pack file written directly, and its version-2 index."""

    def __init__(self, repo: Path) -> None:
        self.dir = repo / ".git" / "objects" / "pack"
        self.tmp = self.dir / "tmp_pack_generate"
        self.file = open(self.tmp, "wb", buffering=1 << 22)
        self.file.write(b"PACK" + struct.pack(">II", 2, 0))
        self.offset = 12
        self.objects: dict[bytes, int] = {}  # sha -> offset << 32 | crc32

    def _put(self, sha: bytes, header: bytes, payload: bytes) -> int:
        z = deflate(payload)
        crc = zlib.crc32(z, zlib.crc32(header))
        offset = self.offset
        self.file.write(header)
        self.file.write(z)
        self.offset += len(header) + len(z)
        self.objects[sha] = offset << 32 | crc
        return offset

    def add(self, kind: int, data: bytes | bytearray, sha: bytes | None = None) -> tuple[bytes, int]:
        if sha is None:
            h = hashlib.sha1(b"%s %d\0" % (_TYPES[kind], len(data)))
            h.update(data)
            sha = h.digest()
        known = self.objects.get(sha)
        if known is not None:
            return sha, known >> 32
        return sha, self._put(sha, _obj_header(kind, len(data)), data)

    def add_delta(self, base_offset: int, delta: bytes) -> int:
        """A delta whose object id is not known yet (it is being hashed): `name` it later."""
        header = _obj_header(6, len(delta)) + _ofs(self.offset - base_offset)
        z = deflate(delta)
        crc = zlib.crc32(z, zlib.crc32(header))
        offset = self.offset
        self.file.write(header)
        self.file.write(z)
        self.offset += len(header) + len(z)
        self.pending_crc = crc
        return offset

    def name(self, sha: bytes, offset: int, crc: int) -> None:
        self.objects.setdefault(sha, offset << 32 | crc)

    def finish(self) -> str:
        self.file.close()
        count = len(self.objects)
        with open(self.tmp, "r+b") as f:
            f.seek(8)
            f.write(struct.pack(">I", count))
            f.seek(0)
            h = hashlib.sha1()
            while chunk := f.read(1 << 24):
                h.update(chunk)
            pack_sha = h.digest()
            f.write(pack_sha)
        entries = sorted(self.objects.items())
        fanout = [0] * 256
        for sha, _v in entries:
            fanout[sha[0]] += 1
        total, cumulative = 0, []
        for c in fanout:
            total += c
            cumulative.append(total)
        idx = bytearray(b"\377tOc" + struct.pack(">I", 2) + struct.pack(">256I", *cumulative))
        idx += b"".join(sha for sha, _v in entries)
        idx += array_be("I", [v & 0xFFFFFFFF for _s, v in entries])
        small, large = [], []
        for _s, v in entries:
            offset = v >> 32
            if offset < 0x80000000:
                small.append(offset)
            else:
                small.append(0x80000000 | len(large))
                large.append(offset)
        idx += array_be("I", small) + array_be("Q", large) + pack_sha
        idx += hashlib.sha1(idx).digest()
        name = pack_sha.hex()
        (self.dir / f"pack-{name}.idx").write_bytes(idx)
        os.replace(self.tmp, self.dir / f"pack-{name}.pack")
        return name


def array_be(code: str, values: list[int]) -> bytes:
    a = array.array(code, values)
    if sys.byteorder == "little":
        a.byteswap()
    return a.tobytes()


class Dir:
    """One folder's tree, kept serialized; changing a file's blob patches 20 bytes in place.

    Versions of a big tree are stored as deltas: version v against version v & (v - 1), so a
    chain is at most popcount(v) deep and a delta holds the files changed since its base; when
    that grows past a quarter of the tree the tree is stored whole and the count starts again."""

    def __init__(self) -> None:
        self.entries: dict[bytes, tuple[bytes, bytes]] = {}
        self.buf = bytearray()
        self.offsets: dict[bytes, int] = {}
        self.rebuild_needed = True
        self.patched: list[int] = []
        self.version = 0
        self.history: list[list[int]] = [[]]
        self.bases: dict[int, int] = {}
        self.sha = b""

    def set(self, name: bytes, mode: bytes, sha: bytes) -> None:
        old = self.entries.get(name)
        self.entries[name] = (mode, sha)
        if old is not None and old[0] == mode and not self.rebuild_needed:
            if old[1] != sha:
                off = self.offsets[name]
                self.buf[off:off + 20] = sha
                self.patched.append(off)
        else:
            self.rebuild_needed = True

    def _rebuild(self) -> None:
        names = sorted(self.entries, key=lambda n: n + b"/" if self.entries[n][0] == b"40000" else n)
        buf, offsets = bytearray(), {}
        for name in names:
            mode, sha = self.entries[name]
            buf += mode + b" " + name + b"\0"
            offsets[name] = len(buf)
            buf += sha
        self.buf, self.offsets, self.rebuild_needed = buf, offsets, False

    def _whole(self, pack: Pack) -> None:
        self.sha, offset = pack.add(2, self.buf)
        self.version, self.history, self.bases, self.patched = 0, [[]], {0: offset}, []

    def store(self, pack: Pack, hasher: "Hasher | None" = None):
        """Store the tree if it changed: None if it did not, its id if known now, else a future
        of its id (a delta stored while its tree is still being hashed)."""
        if self.rebuild_needed:
            self._rebuild()
            self._whole(pack)
            return self.sha
        if not self.patched:
            return None
        if len(self.buf) < 4096 or hasher is None:
            self._whole(pack)
            return self.sha
        v = self.version + 1
        self.history.append(self.patched)
        self.patched = []
        base = v & (v - 1)
        changed = sorted(set().union(*self.history[base + 1:v + 1]))
        if len(changed) * 26 > len(self.buf) // 4:
            self._whole(pack)
            return self.sha
        delta = make_delta(self.buf, changed)
        offset = pack.add_delta(self.bases[base], delta)
        crc = pack.pending_crc
        self.version = v
        self.bases[v] = offset
        keep = {v & ~((1 << k) - 1) for k in range(v.bit_length() + 1)}
        for old in [b for b in self.bases if b not in keep]:
            del self.bases[old]
        return hasher.submit(bytes(self.buf), offset, crc)


class Hasher:
    """Hashes tree snapshots on threads (hashlib lets go of the GIL for big buffers)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(2)

    @staticmethod
    def _hash(data: bytes, offset: int, crc: int) -> tuple[bytes, int, int]:
        h = hashlib.sha1(b"tree %d\0" % len(data))
        h.update(data)
        return h.digest(), offset, crc

    def submit(self, data: bytes, offset: int, crc: int):
        return self.pool.submit(self._hash, data, offset, crc)


class PackWriter:
    """The same commits as FastImport, written as a pack by this process."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.pack = Pack(repo)
        self.root = Dir()
        self.dirs: dict[bytes, Dir] = {}
        self.parent: str | None = None
        self.hasher = Hasher()
        self.waiting: deque = deque()
        sys.setswitchinterval(0.0002)  # the main thread gets the GIL back soon from the hashers
        self.root_trees: list[str] = []
        self.graph: CommitGraph | None = None
        self.signers: dict[bytes, SSHSigner] | None = None  # by author line's e-mail

    def commit(self, who: bytes, message: bytes, files: list[tuple[str, bytes]], ts: int) -> None:
        # The root is built in commit order when a commit's trees are hashed, so what changes
        # in it is queued with the commit, never applied ahead of an earlier commit.
        changes: list[tuple[bytes, bytes, object]] = []
        for path, data in files:
            folder, _sep, name = path.encode().rpartition(b"/")
            sha, _off = self.pack.add(3, data)
            if folder:
                self.dirs.setdefault(folder, Dir()).set(name, b"100644", sha)
            else:
                changes.append((name, b"100644", sha))
        for folder, d in self.dirs.items():
            stored = d.store(self.pack, self.hasher)
            if stored is not None:
                changes.append((folder, b"40000", stored))
        self.waiting.append((changes, who, message, ts, [path for path, _d in files]))
        while self.waiting and (len(self.waiting) > 16 or all(
                isinstance(v, bytes) for _n, _m, v in self.waiting[0][0])):
            self._finish_one()

    def _finish_one(self) -> None:
        changes, who, message, ts, paths = self.waiting.popleft()
        for name, mode, value in changes:
            if not isinstance(value, bytes):
                value, offset, crc = value.result()
                self.pack.name(value, offset, crc)
            self.root.entries[name] = (mode, value)
        self.root._rebuild()
        root_sha, _ = self.pack.add(2, self.root.buf)
        if len(self.root_trees) < 1000:
            self.root_trees.append(root_sha.hex())
        signer = None
        if self.signers is not None:
            signer = self.signers[who[who.index(b"<") + 1:who.index(b"@")]]
        data = commit_object(root_sha.hex(), self.parent, who, message, signer)
        sha, _ = self.pack.add(1, data)
        if self.graph is not None and self.parent is not None:  # not the unsigned founding ones
            self.graph.add(sha, root_sha, bytes.fromhex(self.parent), ts, paths)
        self.parent = sha.hex()

    def finish(self) -> None:
        while self.waiting:
            self._finish_one()
        self.pack.finish()
        git(self.repo, "update-ref", "refs/heads/main", self.parent)

    def trees(self) -> list[str]:
        self.finish()
        return self.root_trees

    def restart(self, parent: str, graph: "CommitGraph | None" = None,
                signers: "dict[bytes, SSHSigner] | None" = None) -> None:
        """A second pack, on top of `parent`: deltas never reach into the first one."""
        self.pack = Pack(self.repo)
        self.parent = parent
        self.graph = graph
        self.signers = signers
        for d in self.dirs.values():
            d.rebuild_needed = True


# ----------------------------------------------------------------------------------------------
# The commit-graph, with changed-path Bloom filters, as git 2.39 writes it.

_M32 = 0xFFFFFFFF


def _signed_char(b: int) -> int:
    return (b - 256) & _M32 if b >= 128 else b


def murmur3_v1(seed: int, data: bytes) -> int:
    """git's murmur3_seeded (Bloom filter version 1: bytes read as signed char)."""
    c1, c2 = 0xCC9E2D51, 0x1B873593
    h = seed
    n4 = len(data) // 4
    for i in range(n4):
        b = data[4 * i:4 * i + 4]
        k = (_signed_char(b[0]) | (_signed_char(b[1]) << 8) | (_signed_char(b[2]) << 16)
             | (_signed_char(b[3]) << 24)) & _M32
        k = (k * c1) & _M32
        k = ((k << 15) | (k >> 17)) & _M32
        k = (k * c2) & _M32
        h ^= k
        h = ((h << 13) | (h >> 19)) & _M32
        h = (h * 5 + 0xE6546B64) & _M32
    tail = data[4 * n4:]
    k1 = 0
    if len(tail) >= 3:
        k1 ^= (_signed_char(tail[2]) << 16) & _M32
    if len(tail) >= 2:
        k1 ^= (_signed_char(tail[1]) << 8) & _M32
    if len(tail) >= 1:
        k1 ^= _signed_char(tail[0])
        k1 = (k1 * c1) & _M32
        k1 = ((k1 << 15) | (k1 >> 17)) & _M32
        k1 = (k1 * c2) & _M32
        h ^= k1
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & _M32
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & _M32
    h ^= h >> 16
    return h


class CommitGraph:
    """The commits as they are made, then .git/objects/info/commit-graph: OIDF, OIDL, CDAT,
    GDA2, BIDX, BDAT, exactly what `git commit-graph write --reachable --changed-paths` writes
    for a linear history (checked byte for byte with --commit-graph both)."""

    HASHES, BITS, MAX_PATHS = 7, 10, 512

    def __init__(self) -> None:
        self.commits: list[tuple[bytes, bytes, bytes | None, int, list[str]]] = []
        self._keys: dict[str, list[int]] = {}

    def add(self, sha: bytes, tree: bytes, parent: bytes | None, ts: int,
            paths: list[str]) -> None:
        self.commits.append((sha, tree, parent, ts, paths))

    def _hashes(self, path: str) -> list[int]:
        key = self._keys.get(path)
        if key is None:
            data = path.encode()
            h0, h1 = murmur3_v1(0x293AE76F, data), murmur3_v1(0x7E646E2C, data)
            key = self._keys[path] = [(h0 + i * h1) & _M32 for i in range(self.HASHES)]
        return key

    def _filter(self, paths: list[str]) -> bytes:
        if len(paths) > self.MAX_PATHS:
            return b"\xff"
        entries = set()
        for path in paths:
            while path:
                entries.add(path)
                path = path.rpartition("/")[0]
        size = (len(entries) * self.BITS + 7) // 8 or 1
        data = bytearray(size)
        mod = size * 8
        for entry in entries:
            for h in self._hashes(entry):
                bit = h % mod
                data[bit >> 3] |= 1 << (bit & 7)
        return bytes(data)

    def write(self, path: Path) -> None:
        order = sorted(range(len(self.commits)), key=lambda i: self.commits[i][0])
        position = {self.commits[i][0]: p for p, i in enumerate(order)}
        level: dict[bytes, int] = {}
        for sha, _tree, parent, _ts, _paths in self.commits:  # oldest first
            level[sha] = level[parent] + 1 if parent else 1
        fanout = [0] * 256
        for sha, *_rest in self.commits:
            fanout[sha[0]] += 1
        for i in range(1, 256):
            fanout[i] += fanout[i - 1]
        oidf = struct.pack(">256I", *fanout)
        oidl = b"".join(self.commits[i][0] for i in order)
        cdat, bidx, bdat = bytearray(), bytearray(), bytearray()
        none = 0x70000000
        end = 0
        for i in order:
            sha, tree, parent, ts, paths = self.commits[i]
            cdat += tree + struct.pack(">IIII", position[parent] if parent else none, none,
                                       (level[sha] << 2) | ((ts >> 32) & 3), ts & _M32)
            bloom = self._filter(paths)
            bdat += bloom
            end += len(bloom)
            bidx += struct.pack(">I", end)
        gda2 = bytes(4 * len(order))  # corrected commit dates: the dates increase, offsets 0
        bdat = struct.pack(">III", 1, self.HASHES, self.BITS) + bdat
        chunks = [(b"OIDF", oidf), (b"OIDL", oidl), (b"CDAT", cdat), (b"GDA2", gda2),
                  (b"BIDX", bidx), (b"BDAT", bdat)]
        out = bytearray(b"CGPH" + bytes([1, 1, len(chunks), 0]))
        offset = len(out) + 12 * (len(chunks) + 1)
        for name, data in chunks:
            out += name + struct.pack(">Q", offset)
            offset += len(data)
        out += bytes(4) + struct.pack(">Q", offset)
        for _name, data in chunks:
            out += data
        out += hashlib.sha1(out).digest()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name("commit-graph.tmp")
        tmp.write_bytes(out)
        os.chmod(tmp, 0o444)
        os.replace(tmp, path)


def bloom_bits(path: str, size: int) -> int:
    data = path.encode()
    h0, h1 = murmur3_v1(0x293AE76F, data), murmur3_v1(0x7E646E2C, data)
    bits = 0
    for i in range(CommitGraph.HASHES):
        bits |= 1 << (((h0 + i * h1) & _M32) % (size * 8))
    return bits


def choose_bench_key(keys: list[dict]) -> tuple[dict, dict]:
    """The key to benchmark: one in the cabinet, with a history, whose path is a typical one for
    git's Bloom filters. A custody commit changes two paths (keys/ and the key's file), so its
    filter is 3 bytes; the 7 bit positions of some paths nearly coincide, and for those paths
    `git log -- keys/K.yaml` meets a false positive (a tree diff) in up to every commit. The key
    whose false-positive rate is the median of 300 candidates is chosen; the spread is kept."""
    candidates = [k for k in keys if k["state"][0] == "in" and k["events"]][:300] or \
        [k for k in keys if k["state"][0] == "in"][:300]
    dir_bits = bloom_bits("keys", 3)
    filters = [dir_bits | bloom_bits(k["path"], 3) for k in keys]
    rates = []
    for k in candidates:
        b = bloom_bits(k["path"], 3)
        hits = sum(1 for f in filters if f & b == b) - 1
        rates.append((hits / max(1, len(filters) - 1), k["id"], k))
    rates.sort(key=lambda r: (r[0], r[1]))
    chosen = rates[len(rates) // 2]
    pct = lambda q: round(rates[min(len(rates) - 1, int(q * len(rates)))][0], 4)  # noqa: E731
    stats = {"bench_key_fp": round(chosen[0], 4), "candidates": len(rates), "min": pct(0),
             "median": pct(0.5), "p90": pct(0.9), "max": round(rates[-1][0], 4),
             "worst_key": rates[-1][1], "K-000001": next((round(r[0], 4) for r in rates
                                                        if r[1].endswith("-000001")), None)}
    return chosen[2], stats


# ----------------------------------------------------------------------------------------------
# Custody history.

def git_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_CONFIG_NOSYSTEM="1", LC_ALL="C",
               GIT_TERMINAL_PROMPT="0")
    env.update(extra or {})
    return env


def git(repo: Path, *args: str, input: bytes | None = None, env: dict | None = None) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True,
                            env=env or git_env())
    if result.returncode != 0:
        sys.exit(f"git {' '.join(args)} failed: {result.stderr.decode(errors='replace')}")
    return result.stdout.decode().strip()


def sign_commit(repo: Path, tree: str, parent: str | None, steward: str, ts: int,
                message: bytes, key: Path) -> str:
    """One commit signed with the steward's SSH key, by git (`commit-tree -S`)."""
    date_ = f"{ts} {TZ_GIT}"
    env = git_env({"GIT_AUTHOR_NAME": NAMES[steward], "GIT_COMMITTER_NAME": NAMES[steward],
                   "GIT_AUTHOR_EMAIL": f"{steward}@keyledger.invalid",
                   "GIT_COMMITTER_EMAIL": f"{steward}@keyledger.invalid",
                   "GIT_AUTHOR_DATE": date_, "GIT_COMMITTER_DATE": date_})
    return git(repo, "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "commit-tree", "-S",
               tree, *(["-p", parent] if parent else []), "-F", "-", input=message, env=env)


def who(steward: str, ts: int) -> bytes:
    return f"{NAMES[steward]} <{steward}@keyledger.invalid> {ts} {TZ_GIT}".encode()


class Custody:
    """Keys going out and coming back: one event a commit, the state of every key in memory."""

    def __init__(self, keys: list[dict], rng: random.Random, target_out: int,
                 expected_back: dict[str, timedelta]) -> None:
        self.keys = keys
        self.rng = rng
        self.target_out = target_out
        self.inside = list(range(len(keys)))
        self.where = {k: i for i, k in enumerate(self.inside)}
        self.out: list[int] = []
        self.note_lines = {None: "note: null\n"}
        for note in CHECKOUT_NOTES + RETURN_NOTES:
            self.note_lines[note] = yaml.dump({"note": note})
        self.durations = {p: int(expected_back[p].total_seconds()) for p in ALL_PURPOSES}

    def _take_inside(self, j: int) -> None:
        pos = self.where.pop(j)
        last = self.inside.pop()
        if last != j:
            self.inside[pos] = last
            self.where[last] = pos

    def next_event(self, ts: int) -> tuple[int, str, dict]:
        """The next checkout or return at `ts`: (key index, action, fields); the key's state
        before it is left in self.before."""
        rng = self.rng
        checkout = not self.out or (len(self.out) < self.target_out and rng.random() < 0.6)
        if checkout and self.inside:
            j = self.inside[rng.randrange(len(self.inside))]
            key = self.keys[j]
            self.before = key["state"]
            key["events"] += 1
            steward = key["pair"][0] if rng.random() < 0.7 else key["pair"][1]
            purpose = rng.choices(key["purposes"], cum_weights=key["weights"])[0]
            back = ts + (3 * 3600 if rng.random() < 0.2 else self.durations[purpose])
            note = rng.choice(CHECKOUT_NOTES) if rng.random() < 0.15 else None
            self._take_inside(j)
            self.out.append(j)
            key["state"] = ("out", steward, ts, purpose, back, note)
            return j, "checkout", {"steward": steward, "purpose": purpose, "back": back,
                                   "note": note}
        index = 0 if rng.random() < 0.8 else rng.randrange(len(self.out))
        j = self.out.pop(index)
        key = self.keys[j]
        self.before = key["state"]
        key["events"] += 1
        _state, holder, _since, purpose, _back, _note = key["state"]
        note = rng.choice(RETURN_NOTES) if rng.random() < 0.35 else None
        key["state"] = ("in", None, ts, None, None, note)
        self.where[j] = len(self.inside)
        self.inside.append(j)
        return j, "return", {"steward": holder, "purpose": purpose, "note": note}

    def text(self, j: int) -> bytes:
        return self.text_of(j, self.keys[j]["state"])

    def text_of(self, j: int, state_: tuple) -> bytes:
        key = self.keys[j]
        state, holder, since, purpose, back, note = state_
        if state == "out":
            body = (f"state: out\nholder: {holder}\nsince: {iso(since)}\npurpose: {purpose}\n"
                    f"expected_back: {iso(back)}\nwitness: null\n")
        else:
            body = ("state: in\nholder: null\nsince: " + (iso(since) if since else "null")
                    + "\npurpose: null\nexpected_back: null\nwitness: null\n")
        return (key["prefix"] + body + self.note_lines[note] + key["suffix"]).encode()

    def message(self, j: int, action: str, ev: dict, ts: int) -> bytes:
        key = self.keys[j]
        steward, hh = ev["steward"], key["household"]
        where = f"({hh.id} {hh.name})"
        if action == "checkout":
            subject = f"checkout {key['id']} to {NAMES[steward]} for {ev['purpose']} {where}"
            trailers = [("Action", "checkout"), ("Key", key["id"]), ("Household", hh.id),
                        ("Steward", steward), ("Holder", steward), ("Purpose", ev["purpose"]),
                        ("At", iso(ts)), ("Expected-Back", iso(ev["back"])),
                        ("Note", ev["note"] or "")]
        else:
            subject = f"return {key['id']} from {NAMES[steward]} {where}"
            trailers = [("Action", "return"), ("Key", key["id"]), ("Household", hh.id),
                        ("Steward", steward), ("Holder", steward), ("Purpose", ev["purpose"]),
                        ("At", iso(ts)), ("Note", ev["note"] or "")]
        lines = [f"Keyledger-{name}: {value}" for name, value in trailers if value]
        return (subject + "\n\n" + "\n".join(lines) + "\n").encode()


class SelfCheck:
    """Recomputes a commit through keyledger's own rules, subject and message formatting."""

    def __init__(self, seed: int, period: tuple[date, date, date], settings_text: str,
                 stewards: dict[str, Steward]) -> None:
        from zoneinfo import ZoneInfo

        from keyledger import custody, rules
        self.custody, self.rules = custody, rules
        self.seed, self.period = seed, period
        self.settings = parse_settings("keyledger.yaml", settings_text)
        self.stewards = stewards
        self.zone = ZoneInfo("Asia/Shanghai")
        self.households: dict[int, Household] = {}
        self.checked = 0

    def __call__(self, key: dict, before: bytes, after: bytes, message: bytes, action: str,
                 ev: dict, ts: int) -> None:
        rules = self.rules
        hh_index = key["household"].index
        household = self.households.get(hh_index)
        if household is None:
            household = self.households[hh_index] = make_household(hh_index, self.seed,
                                                                   self.period)
        path = f"keys/{key['id']}.yaml"
        old = parse_key(path, before.decode(), key["id"])
        at = datetime.fromtimestamp(ts, self.zone)
        actor = self.stewards[ev["steward"]]
        if action == "checkout":
            back = datetime.fromtimestamp(ev["back"], self.zone)
            request = rules.Request("checkout", rules.Actor(actor.id), at, ev["purpose"], back,
                                    note=ev["note"])
        else:
            request = rules.Request("return", rules.Actor(actor.id), at, note=ev["note"])
        outcome = rules.apply(old, household, self.settings.witness, request)
        text = yaml.dump(outcome.key.to_dict()).encode()
        holder = self.stewards.get(outcome.event.holder or "")
        holder = actor if outcome.event.holder == actor.id else holder
        expected = gitops.format_message(self.custody._subject(outcome, actor, holder,
                                                               household.name),
                                         outcome.event.trailers()).encode()
        if text != after or expected != message:
            sys.exit(f"self-check failed for {key['id']} ({action}):\n--- keyledger:\n"
                     f"{text.decode()}{expected.decode()}\n--- generator:\n{after.decode()}"
                     f"{message.decode()}")
        parse_key(path, after.decode(), key["id"])
        self.checked += 1


# ----------------------------------------------------------------------------------------------

def ssh_keys(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for ident in [SUPERVISOR[0]] + [s for s, _n in STEWARDS]:
        private = folder / ident
        if not (private.exists() and (folder / f"{ident}.pub").exists()):
            private.unlink(missing_ok=True)
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", ident, "-f",
                            str(private)], check=True)
        out[ident] = private
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--households", type=int, required=True)
    ap.add_argument("--keys", type=int, required=True)
    ap.add_argument("--commits", type=int, required=True, help="custody commits (incl. tips)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keys-dir", type=Path, help="SSH keys (default OUT/../<name>-keys)")
    ap.add_argument("--backend", choices=("auto", "fast-import", "pack"), default="auto")
    ap.add_argument("--tips", type=int, default=TIPS,
                    help="commits at the end signed by git itself (commit-tree -S)")
    ap.add_argument("--sign", choices=("all", "tips"), default="all",
                    help="all: every commit SSH-signed (in this process, as ssh-keygen would); "
                    "tips: only the founding commits and the tips")
    ap.add_argument("--force", action="store_true", help="replace OUT if it exists")
    ap.add_argument("--commit-graph", choices=("auto", "git", "own", "both", "none"),
                    default="auto", help="who writes the commit-graph with Bloom filters: git, "
                    "this script (own: what git would write, without diffing a million trees), "
                    "or both, checked byte for byte (auto: own with the pack back end)")
    ap.add_argument("--now", type=int, help="stand at this Unix time (same seed and time: the "
                    "same commit ids from either back end)")
    args = ap.parse_args()
    n, m, c = args.households, args.keys, args.commits
    if n < 1 or m < 1 or c < args.tips + 2:
        sys.exit("need at least one household, one key, and more commits than tips")
    out = args.out.expanduser().resolve()
    keys_dir = (args.keys_dir or out.parent / f"{out.name}-keys").expanduser().resolve()
    if out.exists():
        if not args.force and any(out.iterdir()):
            sys.exit(f"{out} exists and is not empty (use --force)")
        shutil.rmtree(out)
    backend_name = args.backend
    if backend_name == "auto":
        backend_name = "pack" if m * c > 50_000_000 or args.sign == "all" else "fast-import"
    if backend_name == "fast-import" and args.sign == "all":
        sys.exit("git fast-import (2.39) cannot write signed commits: --sign tips, or --backend "
                 "pack")
    timings: dict[str, float] = {}
    graph_mode = args.commit_graph
    if graph_mode == "auto":
        graph_mode = "own" if backend_name == "pack" else "git"
    if backend_name == "fast-import" and graph_mode in ("own", "both"):
        sys.exit("--commit-graph own needs --backend pack (it knows the commit ids as it goes)")
    t_start = time.perf_counter()

    signing = ssh_keys(keys_dir)
    stewards = {}
    for ident, name, phone, role in ([(*SUPERVISOR, "supervisor")]
                                     + [(s, nm, f"139{k + 1:08d}", "steward")
                                        for k, (s, nm) in enumerate(STEWARDS)]):
        public = (keys_dir / f"{ident}.pub").read_text().split()
        stewards[ident] = Steward(ident, name, phone, role, f"{public[0]} {public[1]}", True)
    timings["ssh-keygen"] = time.perf_counter() - t_start

    now = args.now or int(time.time())
    end = now - 3600                          # the custody history ends before this
    start = end - 730 * 86400                 # two years of custody
    day0 = start - 40 * 86400                 # the ledger is founded before that
    today = datetime.fromtimestamp(now, TZ).date()
    period = (datetime.fromtimestamp(start - 30 * 86400, TZ).date(), today + timedelta(days=365),
              today)

    subprocess.run(["git", "init", "-q", "-b", "main", str(out)], check=True, env=git_env())
    writer = FastImport(out) if backend_name == "fast-import" else PackWriter(out)
    sup = SUPERVISOR[0]
    settings_text = yaml.dump({"schema": 1, "community": COMMUNITY, "timezone": "Asia/Shanghai",
                               "locale": "zh_CN", "policies": {
                                   "expected_back": dict(DEFAULT_EXPECTED_BACK),
                                   "witness": {"purposes": ["emergency"], "kinds": []}}})
    settings = parse_settings("keyledger.yaml", settings_text)
    settings_text = yaml.dump(settings.to_dict())
    ts = day0
    init_msg = gitops.format_message(f"init ledger of {COMMUNITY}, supervisor {SUPERVISOR[1]}",
                                     [("Action", "init"), ("Steward", sup), ("Roster", sup),
                                      ("Role", "supervisor")])
    founding: list[tuple] = [(sup, ts, init_msg.encode())]
    files = [("keyledger.yaml", settings_text.encode()),
             (f"stewards/{sup}.yaml", yaml.dump(stewards[sup].to_dict()).encode())]
    founding[-1] += ([p for p, _d in files],)
    writer.commit(who(sup, ts), init_msg.encode(), files, ts)
    for ident, _name in STEWARDS:
        ts += 600
        s = stewards[ident]
        text = yaml.dump(s.to_dict())
        parse_steward(f"stewards/{ident}.yaml", text, ident)
        message = gitops.format_message(
            f"add {s.role} {s.name} ({ident})", [("Action", "steward-add"), ("Steward", sup),
                                                 ("Roster", ident), ("Role", s.role)]).encode()
        founding.append((sup, ts, message, [f"stewards/{ident}.yaml"]))
        writer.commit(who(sup, ts), message, [(f"stewards/{ident}.yaml", text.encode())], ts)

    # Households: one import commit per estate (or per 20,000 files, whichever is smaller).
    t0 = time.perf_counter()
    hh_list: list[HH] = []
    batch: list[tuple[str, bytes]] = []
    batch_estate = None
    checked_hh = 0

    def flush_households() -> None:
        nonlocal ts
        if not batch:
            return
        ts += 1800
        message = gitops.format_message(
            f"import {len(batch)} households of {ESTATE_NAMES.get(batch_estate, batch_estate)}",
            [("Action", "household-import"), ("Steward", sup), ("Count", str(len(batch)))]).encode()
        founding.append((sup, ts, message, [p for p, _d in batch]))
        writer.commit(who(sup, ts), message, batch, ts)
        batch.clear()

    for hh, text in households(n, args.seed, period):
        estate = hh.id.split("-")[0]
        if batch and (estate != batch_estate or len(batch) >= 20000):
            flush_households()
        batch_estate = estate
        if checked_hh < 50 or hh.index % 997 == 0:
            parse_household(f"households/{hh.id}.yaml", text.decode(), hh.id)
            checked_hh += 1
        batch.append((f"households/{hh.id}.yaml", text))
        hh_list.append(hh)
    flush_households()
    timings["households"] = time.perf_counter() - t0

    # Keys: their records, the template of their file, and the import commits.
    t0 = time.perf_counter()
    width = max(6, len(str(m)))
    keys: list[dict] = []
    owners = key_households(m, n)
    batch = []
    previous = None
    for j, h in enumerate(owners):
        hh = hh_list[h]
        second = previous == h
        kind, label = SECOND_LABELS[j % len(SECOND_LABELS)] if second else \
            ("physical", KEY_LABELS[j % len(KEY_LABELS)])
        previous = h
        key = Key(id=f"K-{j + 1:0{width}d}", household=hh.id, kind=kind, label=label,
                  slot=slot_name(j))
        text = yaml.dump(key.to_dict())
        head, sep, tail = text.partition("state: in\n")
        tail = tail[tail.index("reservations:"):]
        assert sep and tail.startswith("reservations: []\ncode: null\ncode_recipients: []\n")
        weights = {"inspection": 3.0, "contractor": 0.5, "repair": 0.5, "delivery": 0.5,
                   "other": 0.3, "plants": 3.0 if "plants" in hh.care else 0.0,
                   "pets": 3.0 if "pets" in hh.care else 0.0,
                   "heating": 2.0 if "heating" in hh.care else 0.0}
        purposes = tuple(p for p in ALL_PURPOSES if weights[p])
        cum, total = [], 0.0
        for p in purposes:
            total += weights[p]
            cum.append(total)
        keys.append({"id": key.id, "path": f"keys/{key.id}.yaml", "household": hh, "pair": (hh.pair_a, hh.pair_b),
                     "prefix": head, "suffix": tail, "purposes": purposes, "weights": cum,
                     "state": ("in", None, None, None, None, None), "events": 0})
        batch.append((f"keys/{key.id}.yaml", text.encode()))
        if len(batch) == 5000 or j == m - 1:
            ts += 1800
            message = gitops.format_message(
                f"register keys {keys[j + 1 - len(batch)]['id']}–{key.id}",
                [("Action", "key-add"), ("Steward", sup), ("Count", str(len(batch)))]).encode()
            founding.append((sup, ts, message, [p for p, _d in batch]))
            writer.commit(who(sup, ts), message, batch, ts)
            batch = []
    timings["keys"] = time.perf_counter() - t0

    # The founding commits (the supervisor's) are signed, as keyledger would have made them.
    t0 = time.perf_counter()
    trees = writer.trees()
    if len(trees) != len(founding):
        sys.exit(f"expected {len(founding)} founding commits, found {len(trees)}")
    parent = None
    graph = CommitGraph() if graph_mode in ("own", "both") else None
    for tree, (steward, when, message, paths) in zip(trees, founding):
        sha = sign_commit(out, tree, parent, steward, when, message, signing[steward])
        if graph is not None:
            graph.add(bytes.fromhex(sha), bytes.fromhex(tree),
                      bytes.fromhex(parent) if parent else None, when, paths)
        parent = sha
    git(out, "update-ref", "refs/heads/main", parent)
    signers = {ident.encode(): SSHSigner(path) for ident, path in signing.items()} \
        if args.sign == "all" else None
    writer.restart(parent, graph, signers)
    timings["founding commits signed"] = time.perf_counter() - t0

    # Custody history, in working hours (07:00-21:00) over two years.
    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    custody = Custody(keys, rng, max(2, m // 100), settings.expected_back)
    check = SelfCheck(args.seed, period, settings_text, stewards)
    history = c - args.tips
    days = (end - start) // 86400
    first_day = datetime.fromtimestamp(start, TZ).replace(hour=0, minute=0, second=0)
    day_starts = [int((first_day + timedelta(days=d, hours=7)).timestamp()) for d in range(days)]
    shift = 14 * 3600
    span = days * shift
    step = span / history
    jitter = int(step / 3)
    last = start
    for k in range(history):
        at = int((k + 0.5) * step) + (rng.randint(-jitter, jitter) if jitter else 0)
        at = min(max(at, 0), span - 1)
        ts = max(last + 1, day_starts[at // shift] + at % shift)
        last = ts
        j, action, ev = custody.next_event(ts)
        text = custody.text(j)
        message = custody.message(j, action, ev, ts)
        if k < 200 or k % 1000 == 0:
            check(keys[j], custody.text_of(j, custody.before), text, message, action, ev, ts)
        writer.commit(who(ev["steward"], ts), message, [(keys[j]["path"], text)], ts)
        if k and k % 100000 == 0:
            rate = k / (time.perf_counter() - t0)
            print(f"  {k} commits, {rate:.0f}/s", file=sys.stderr, flush=True)
    writer.finish()
    timings[f"history ({backend_name})"] = time.perf_counter() - t0
    unsigned_head = git(out, "rev-parse", "HEAD")

    # The signed tips: git plumbing with -S, as keyledger commits, each by its own steward.
    t0 = time.perf_counter()
    git(out, "read-tree", "HEAD")
    ts = last
    for k in range(args.tips):
        ts += 300
        j, action, ev = custody.next_event(ts)
        text = custody.text(j)
        message = custody.message(j, action, ev, ts)
        check(keys[j], custody.text_of(j, custody.before), text, message, action, ev, ts)
        path = f"keys/{keys[j]['id']}.yaml"
        blob = git(out, "hash-object", "-w", "--stdin", input=text)
        git(out, "update-index", "--cacheinfo", f"100644,{blob},{path}")
        tree = git(out, "write-tree")
        steward = ev["steward"]
        parent = git(out, "rev-parse", "HEAD")
        sha = sign_commit(out, tree, parent, steward, ts, message, signing[steward])
        if signers is not None:  # the signatures made here are the ones git makes
            ours = commit_object(tree, parent, who(steward, ts), message,
                                 signers[steward.encode()])
            theirs = subprocess.run(["git", "-C", str(out), "cat-file", "commit", sha],
                                    capture_output=True, env=git_env()).stdout
            if ours != theirs:
                sys.exit(f"in-process signature differs from git's:\n{ours.decode()}\n---\n"
                         f"{theirs.decode()}")
        if graph is not None:
            graph.add(bytes.fromhex(sha), bytes.fromhex(tree), bytes.fromhex(parent), ts, [path])
        git(out, "update-ref", "-m", "keyledger: " + message.decode().splitlines()[0], "HEAD",
            sha, parent)
    git(out, "symbolic-ref", "HEAD", "refs/heads/main")
    git(out, "reset", "-q", "--hard", "HEAD")
    timings["signed tips + checkout"] = time.perf_counter() - t0

    # The clone of the steward who will check the benchmark key out and back.
    t0 = time.perf_counter()
    bench, fp_stats = choose_bench_key(keys)
    steward = bench["pair"][0]
    git(out, "config", "gc.auto", "0")  # no automatic repack in the middle of a measurement
    result = subprocess.run([str(Path(sys.executable).with_name("keyledger")), "-C", str(out),
                             "use-key", str(signing[steward])], capture_output=True, text=True,
                            env=git_env())
    if result.returncode != 0:
        sys.exit(f"keyledger use-key failed: {result.stderr}")
    timings["use-key"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    graph_file = out / ".git" / "objects" / "info" / "commit-graph"
    if graph is not None:
        graph.write(graph_file)
        timings["commit-graph (own)"] = time.perf_counter() - t0
    if graph_mode in ("git", "both"):
        t0 = time.perf_counter()
        mine = graph_file.read_bytes() if graph_mode == "both" else None
        graph_file.unlink(missing_ok=True)
        git(out, "commit-graph", "write", "--reachable", "--changed-paths")
        timings["commit-graph (git)"] = time.perf_counter() - t0
        if mine is not None and mine != graph_file.read_bytes():
            graph_file.with_name("commit-graph.generated").write_bytes(mine)
            sys.exit("the commit-graph written here differs from git's (kept as "
                     "commit-graph.generated)")
    dirty = git(out, "status", "--porcelain")
    if dirty:
        sys.exit(f"the work tree is not clean:\n{dirty[:2000]}")
    timings["total"] = time.perf_counter() - t_start
    verified = git(out, "-c", "log.showSignature=false", "log", f"-{args.tips}", "--format=%G?")
    manifest = {
        "ledger": str(out), "households": n, "keys": m, "commits": c, "seed": args.seed,
        "backend": backend_name, "bench_key": bench["id"], "bench_household": bench["household"].id,
        "bench_steward": steward, "bench_signing_key": str(signing[steward]),
        "signing_keys": {k: str(v) for k, v in signing.items()},
        "unsigned_head": unsigned_head, "head": git(out, "rev-parse", "HEAD"),
        "tips_signature_status": verified.split(), "self_checked_commits": check.checked,
        "bloom_false_positive_rates": fp_stats,
        "timings_s": {k: round(v, 2) for k, v in timings.items()},
        "total_commits": int(git(out, "rev-list", "--count", "HEAD")),
    }
    (keys_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    print(json.dumps(manifest["timings_s"], ensure_ascii=False))
    print(f"{out}: {manifest['total_commits']} commits, HEAD {manifest['head'][:12]}, "
          f"benchmark key {bench['id']} of {bench['household'].id}, clone signs as {steward}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
