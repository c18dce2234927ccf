# -*- coding: utf-8 -*-
# Copyright: (c) 2026, koor.ceph contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cephx entities (client keys with caps) as a declared set (see resources.py).

One ``auth ls`` reads every entity. Keys never leave this file except into a keyring file the
user asked for (written on the far side of the transport) and ``ceph_auth_info`` with
``include_keys``: the diff shows a key as ``********`` and says when it is replaced, commands
that carry a key name it without showing it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import posixpath
import re
import struct

from ansible_collections.koor.ceph.plugins.module_utils.errors import CephInputError
from ansible_collections.koor.ceph.plugins.module_utils.resources import MASK, MASK_NEW, Resource, Write

ENTITY_TYPES = ("client", "mon", "osd", "mgr", "mds")
DAEMON_TYPES = ("mon", "osd", "mgr", "mds")
CAP_TYPES = ("mon", "osd", "mds", "mgr")
ID_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.:@+=-]{0,254}$")
# cephx secret types: 1 = AES-128 (keys start with AQ), 2 = AES-256 (Tentacle's aes256k, AgA)
KEY_LENGTHS = {1: 16, 2: 32}

ITEM_SPEC = dict(
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    caps=dict(type="dict"),
    key=dict(type="str", no_log=True),
    keyring_path=dict(type="path", no_log=False),
    keyring_mode=dict(type="str", default="0600", no_log=False),
    keyring_owner=dict(type="str", no_log=False),
    keyring_group=dict(type="str", no_log=False),
    allow_daemon_entities=dict(type="bool", default=False),
)

FIELDS = ("caps", "key", "keyring")


def split_grants(text):
    """The grants of a caps string ('allow r, profile rbd pool=x'), split outside quotes."""
    grants, current, quoted = [], "", False
    for char in text:
        if char == '"':
            quoted = not quoted
        if char in ",;" and not quoted:
            grants.append(current.strip())
            current = ""
        else:
            current += char
    grants.append(current.strip())
    return grants


def check_entity(name):
    """Raise CephInputError unless name is TYPE.ID (or the mons' shared 'mon.')."""
    kind, dot, ident = name.partition(".")
    if not dot or kind not in ENTITY_TYPES:
        raise CephInputError("entity %r: invalid name: use TYPE.ID with TYPE one of %s (e.g. client.app)"
                             % (name, ", ".join(ENTITY_TYPES)))
    if name == "mon.":
        return
    if not ID_RE.match(ident):
        raise CephInputError("entity %r: invalid name: the id after %r must be letters, digits and . _ - : @ + = "
                             "(up to 255), not starting with a symbol" % (name, kind + "."))
    if kind == "osd" and not ident.isdigit():
        raise CephInputError("entity %r: invalid name: an OSD entity is osd.<number>" % name)


# What the mons' cap parsers (MonCap, OSDCap, MgrCap, MDSCap) refuse, checked before any write; a
# corpus of strings tried on the lab with 'ceph auth get-or-create' is kept in the unit tests
# (tests/unit/fixtures/lab/auth_caps_corpus.json): nothing Ceph accepts there is refused here.
PERMS = {"mon": "rwx", "mgr": "rwx", "osd": "rwx", "mds": "rwpsf"}
# words that start a clause in an 'allow' grant, by daemon type (anything else first is the permissions)
ALLOW_WORDS = {
    "mon": ("service", "profile", "command", "network"),
    "mgr": ("service", "profile", "command", "module", "network"),
    "osd": ("pool", "namespace", "object_prefix", "tag", "class", "class-read", "class-write", "network", "profile"),
    "mds": ("path", "fsname", "uid", "gids", "root_squash", "network"),
}
# clauses a daemon type's parser does not know (the mon refuses 'allow r pool=x' for a mon cap)
FOREIGN_WORDS = {
    "mon": ("pool", "namespace", "object_prefix", "tag", "path", "fsname"),
    "mgr": ("namespace", "object_prefix", "tag", "path", "fsname"),
    "mds": ("pool", "namespace", "object_prefix", "tag", "service", "command", "module"),
}


def _words(grant):
    """The words of one grant outside quotes, with 'key=value' split into 'key' and 'value'."""
    words, current, quoted = [], "", False
    for char in grant:
        if char == '"':
            quoted = not quoted
            current += char
        elif (char.isspace() or (char == "=" and not quoted)) and not quoted:
            if current:
                words.append(current)
            current = ""
            if char == "=":
                words.append("=")
        else:
            current += char
    if current:
        words.append(current)
    return words


def grant_problem(kind, grant):
    """Why the mon would refuse one grant of a ``kind`` cap, or None (see the corpus)."""
    words = _words(grant)
    if not words or words[0] not in ("allow", "profile"):
        return "each grant must start with 'allow' or 'profile'"
    plain = [w for w in words if w != "="]
    if words[0] == "profile" and len(plain) == 1:
        return "each grant must start with 'allow' or 'profile <name>'"
    if words[0] == "profile" and kind == "mds":
        return "an mds cap has no profiles (use e.g. 'allow rw path=/dir')"
    if words[0] == "allow" and len(plain) == 1 and kind != "mds":
        return "'allow' needs permissions (such as r, rw, rwx or *) or a clause"
    if kind == "mon" and words[0] == "profile" and len(plain) > 2 and plain[2] != "network":
        return "a mon profile takes no arguments (pool= and namespace= belong in the osd cap)"
    if kind in ("mon", "mgr") and plain[1:] == ["command"]:
        return "'allow command' needs the command (such as allow command \"osd blocklist\")"
    if "with" in words:
        words = words[:words.index("with")]  # a command's arguments: any names
    for index, word in enumerate(words):
        nxt = words[index + 1] if index + 1 < len(words) else None
        if word in FOREIGN_WORDS.get(kind, ()) and (nxt == "=" or index + 1 < len(words)) and index > 0 \
                and words[index - 1] != "=" and not word.startswith('"'):
            return "%r is not part of a %s cap" % (word, kind)
        if word == "=" and (nxt is None or nxt == "="):
            return "%r has no value" % (words[index - 1] + "=")
    if kind == "osd":
        for word in ("pool", "namespace"):
            positions = [i for i, w in enumerate(words) if w == word and (i == 0 or words[i - 1] != "=")]
            if len(positions) > 1:
                return "%s is given more than once in one grant (give one grant per %s)" % (word, word)
            for i in positions:
                value = [w for w in words[i + 1:i + 3] if w != "="][:1]
                if value and value[0] == "*":
                    return "%s=* is not a name: leave %s out to allow every one" % (word, word)
    if words[0] == "allow" and len(plain) > 1:
        first = plain[1]
        if first not in ALLOW_WORDS[kind] and first != "*" and not (kind == "mon" and first == "profile"):
            bad = sorted(set(c for c in first if c not in PERMS[kind]))
            if bad or not first:
                return "%r is not a permission of a %s cap (use %s or *)" % (first, kind, ", ".join(PERMS[kind]))
    return None


def check_caps(name, caps):
    if not caps:
        raise CephInputError("entity %r: caps must name at least one daemon type (leave caps out to keep them)"
                             % name)
    for kind, value in caps.items():
        if kind not in CAP_TYPES:
            raise CephInputError("entity %r: unknown caps type %r: use %s" % (name, kind, ", ".join(CAP_TYPES)))
        if not isinstance(value, str) or not value.strip():
            raise CephInputError("entity %r: caps %s must be a non-empty string such as 'profile rbd' or 'allow r'"
                                 % (name, kind))
        for grant in split_grants(value):
            problem = grant_problem(kind, grant)
            if problem:
                raise CephInputError("entity %r: caps %s %r: the mon would refuse grant %r: %s"
                                     % (name, kind, value, grant, problem))


def check_key(name, key):
    """A cephx key as Ceph prints it: base64 of type, creation time, length and secret."""
    try:
        raw = base64.b64decode(key.strip(), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    ok = len(raw) >= 12
    if ok:
        kind, length = struct.unpack("<H", raw[:2])[0], struct.unpack("<H", raw[10:12])[0]
        ok = KEY_LENGTHS.get(kind) == length and len(raw) == 12 + length
    if not ok:
        raise CephInputError("entity %r: key is not a cephx key (base64 as 'ceph auth get-key' prints, "
                             "e.g. from 'ceph-authtool --gen-print-key')" % name)


def keyring_text(name, key, caps):
    """The keyring of one entity, as 'ceph auth get' prints it."""
    lines = ["[%s]" % name, "\tkey = %s" % key]
    for kind in sorted(caps or {}):
        value = caps[kind].replace("\\", "\\\\").replace('"', '\\"')
        lines.append('\tcaps %s = "%s"' % (kind, value))
    return "\n".join(lines) + "\n"


def caps_list(caps):
    """{mon: 'profile rbd'} -> ['mon', 'profile rbd'] as the mon commands take caps."""
    result = []
    for kind in sorted(caps or {}):
        result += [kind, caps[kind]]
    return result


def read_entities(runner):
    """Every entity: {name: {"key": ..., "caps": {...}}} from one 'auth ls'."""
    dump = runner.mon("auth ls") or {}
    return dict((e["entity"], {"key": e.get("key"), "caps": dict(e.get("caps") or {})})
                for e in dump.get("auth_dump", []))


def read_info(runner, names=None, include_keys=False):
    """What ceph_auth_info returns: entities with caps (and keys only when asked)."""
    entities = read_entities(runner)
    if names:
        missing = [n for n in names if n not in entities]
        if missing:
            raise CephInputError("no such entity: %s" % ", ".join(missing))
        wanted = list(names)
    else:
        wanted = sorted(entities)
    result = []
    for name in wanted:
        entry = {"name": name, "type": name.partition(".")[0], "caps": entities[name]["caps"]}
        if include_keys:
            entry["key"] = entities[name]["key"]
        result.append(entry)
    return result


def file_mode(item):
    return int(str(item.get("keyring_mode") or "0600"), 8)


class KeyWrite(Write):
    """A mon command that creates or replaces a key: its answer (which holds the key) is kept
    by the resource for the keyring file, never handed on."""

    def __init__(self, resource, name, prefix, **args):
        super(KeyWrite, self).__init__(prefix, **args)
        self.resource = resource
        self.name = name

    def run(self, runner):
        out = super(KeyWrite, self).run(runner)
        if isinstance(out, list):
            for entry in out:
                if entry.get("entity") == self.name and entry.get("key"):
                    self.resource.keys[self.name] = entry["key"]
        return None


class KeyringWrite(Write):
    """Write (or remove) the entity's keyring file on the far side of the transport."""

    def __init__(self, resource, item, remove=False):
        super(KeyringWrite, self).__init__()
        self.resource = resource
        self.item = item
        self.remove = remove

    def run(self, runner):
        item = self.item
        path = item["keyring_path"]
        if self.remove:
            runner.put_file(path, None)
            return None
        name = item["name"]
        content = ""
        if not runner.check_mode:
            key = self.resource.keys.get(name)
            if key is None:
                key = read_entities(runner).get(name, {}).get("key")
            caps = self.resource.final_caps.get(name)
            if caps is None:
                caps = read_entities(runner).get(name, {}).get("caps")
            content = keyring_text(name, key, caps)
        runner.put_file(path, content, mode=file_mode(item), owner=item.get("keyring_owner"),
                        group=item.get("keyring_group"))
        return None


class Entities(Resource):
    kind = "entity"
    fields = FIELDS

    def __init__(self):
        self.keys = {}        # name -> current (or, after a write, new) key: never returned
        self.final_caps = {}  # name -> caps the entity has after the run
        self.client = None
        self.file_exists = {}
        self.missing_dirs = {}  # name -> the directory of its keyring_path when it does not exist

    def read(self, runner, items):
        self.client = runner.params.get("client") or "client.admin"
        entities = read_entities(runner)
        current = {}
        for name, entity in entities.items():
            self.keys[name] = entity["key"]
            current[name] = {"caps": entity["caps"], "key": MASK}
        status_specs, owners = [], []
        for item in items:
            name = item["name"]
            have = current.get(name)
            if not item.get("keyring_path") or have is None:
                continue
            if item.get("state") == "absent":
                status_specs.append({"path": item["keyring_path"], "content": None})
            else:
                key = item.get("key") or self.keys[name]
                caps = item["caps"] if item.get("caps") is not None else have["caps"]
                status_specs.append({"path": item["keyring_path"], "content": keyring_text(name, key, caps),
                                     "mode": self._mode(item), "owner": item.get("keyring_owner"),
                                     "group": item.get("keyring_group")})
            owners.append(name)
        self._check_dirs(runner, items)
        if status_specs:
            self._check_files(items)
            for name, spec, status in zip(owners, status_specs, runner.file_status(status_specs)):
                self.file_exists[name] = status["exists"]
                if spec["content"] is None:
                    current[name]["keyring"] = "present" if status["exists"] else "absent"
                elif status["changed"]:
                    current[name]["keyring"] = "outdated" if status["exists"] else "absent"
                else:
                    current[name]["keyring"] = "current"
        return current

    def _check_dirs(self, runner, items):
        """One status read of the folders the declared keyring files go to (on the far side)."""
        wanted = [i for i in items if i.get("keyring_path") and i.get("state") != "absent"]
        if not wanted:
            return
        self._check_files(wanted)
        folders = [posixpath.dirname(posixpath.normpath(i["keyring_path"])) or "/" for i in wanted]
        answers = runner.file_status([{"path": f, "content": None} for f in folders])
        for item, folder, status in zip(wanted, folders, answers):
            if not status["exists"]:
                self.missing_dirs[item["name"]] = folder

    @staticmethod
    def _mode(item):
        try:
            return file_mode(item)
        except ValueError:
            raise CephInputError("entity %r: keyring_mode %r is not an octal mode such as '0600'"
                                 % (item["name"], item.get("keyring_mode")))

    def _check_files(self, items):
        for item in items:
            path = item.get("keyring_path")
            if path is None:
                continue
            if not path.startswith("/"):
                raise CephInputError("entity %r: keyring_path %r must be an absolute path on the far side"
                                     % (item["name"], path))
            if self._mode(item) & 0o007 or self._mode(item) > 0o777:
                raise CephInputError("entity %r: keyring_mode %s would let every user read the key: use e.g. "
                                     "0600 or 0640" % (item["name"], item.get("keyring_mode")))

    def validate(self, runner, items, current):
        self._check_files(items)
        for item in items:
            name = item["name"]
            check_entity(name)
            kind = name.partition(".")[0]
            protected = kind in DAEMON_TYPES or name in ("client.admin", self.client)
            if protected and not item.get("allow_daemon_entities"):
                what = ("the entity of a Ceph daemon (%s)" % kind if kind in DAEMON_TYPES
                        else "the admin entity" if name == "client.admin" else "the entity this module connects as")
                raise CephInputError("entity %r is %s: managing it needs allow_daemon_entities: true"
                                     % (name, what))
            if item.get("state") == "absent":
                if name == self.client:
                    raise CephInputError("entity %r: refusing to delete the entity this module connects as" % name)
                continue
            if name in self.missing_dirs:
                raise CephInputError("entity %r: keyring_path %r: the directory %s does not exist on the far side "
                                     "(create it first)" % (name, item["keyring_path"], self.missing_dirs[name]))
            if item.get("caps") is not None:
                check_caps(name, item["caps"])
            if item.get("key") is not None:
                check_key(name, item["key"])

    def desired(self, item, have):
        name = item["name"]
        want = {}
        if item.get("caps") is not None:
            want["caps"] = dict(item["caps"])
        if item.get("key") is not None:
            want["key"] = MASK if have is None or self.keys.get(name) == item["key"] else MASK_NEW
        if item.get("keyring_path"):
            want["keyring"] = "current"
        caps = want.get("caps") if "caps" in want else (have or {}).get("caps", {})
        self.final_caps[name] = caps
        return want

    def plan_create(self, item, want):
        name = item["name"]
        caps = caps_list(want.get("caps"))
        if item.get("key") is not None:
            self.keys[name] = item["key"]
            writes = [Write("auth add", inbuf=keyring_text(name, item["key"], {}), entity=name, caps=caps or None,
                            secret_input=True)]
        else:
            writes = [KeyWrite(self, name, "auth get-or-create", entity=name, caps=caps or None)]
        if item.get("keyring_path"):
            writes.append(KeyringWrite(self, item))
        return writes

    def after_create(self, item, want):
        after = dict(want)
        after.setdefault("caps", {})
        return after

    def plan_update(self, item, have, changes):
        name = item["name"]
        writes = []
        caps = self.final_caps[name]
        if "key" in changes:
            self.keys[name] = item["key"]
            if caps:
                writes.append(Write("auth import", inbuf=keyring_text(name, item["key"], caps), secret_input=True))
            else:  # 'auth import' wants caps: a caps-less entity is re-added with the new key
                writes += [Write("auth rm", entity=name),
                           Write("auth add", inbuf=keyring_text(name, item["key"], {}), entity=name,
                                 secret_input=True)]
        elif "caps" in changes:
            writes.append(Write("auth caps", entity=name, caps=caps_list(caps)))
        if item.get("keyring_path") and ("keyring" in changes or "key" in changes):
            writes.append(KeyringWrite(self, item))
        return writes

    def plan_delete(self, item, have):
        writes = [Write("auth rm", entity=item["name"])]
        if item.get("keyring_path") and self.file_exists.get(item["name"]):
            writes.append(KeyringWrite(self, item, remove=True))
        return writes

    def result_item(self, name, state, after, outputs):
        result = {"name": name, "state": state}
        if after:
            result["caps"] = after.get("caps", {})
        return result
