"""rgw_users: decoding RGWUserInfo objects, normalising, validating and planning; the agent's rados_read op."""
import base64
import json
import os

from ansible_collections.koor.ceph.plugins.module_utils import agent

LAB = os.path.join(os.path.dirname(__file__), "..", "..", "fixtures", "lab")


def load(name):
    with open(os.path.join(LAB, name)) as handle:
        return json.load(handle)


# --- the agent's rados_read op -------------------------------------------------------------

class FakeIoctx:
    def __init__(self, objects):
        self.objects = objects
        self.namespace = None
        self.closed = False

    def set_namespace(self, namespace):
        self.namespace = namespace

    def list_objects(self):
        return [type("Obj", (), {"key": k})() for k in self.objects[self.namespace]]

    def read(self, name, length, offset):
        try:
            return self.objects[self.namespace][name][offset:offset + length]
        except KeyError:
            raise FakeRados.ObjectNotFound(name)

    def close(self):
        self.closed = True


class FakeRados:
    class ObjectNotFound(Exception):
        pass


class FakeCluster:
    def __init__(self, objects):
        self.ioctx = FakeIoctx(objects)
        self.pools = []

    def open_ioctx(self, pool):
        self.pools.append(pool)
        return self.ioctx


def make_agent(objects):
    ag = agent.Agent({}, FakeRados)
    ag.cluster = FakeCluster(objects)
    return ag


def test_rados_read_all_named_missing_and_large(monkeypatch):
    monkeypatch.setattr(agent, "READ_CHUNK", 4)
    ag = make_agent({"users.uid": {"alice": b"0123456789", "bob": b"abcd", "c": b""}})
    reply = ag.handle({"id": 1, "op": "rados_read", "pool": "default.rgw.meta", "namespace": "users.uid",
                       "names": None})
    assert reply["rc"] == 0 and ag.cluster.pools == ["default.rgw.meta"] and ag.cluster.ioctx.closed
    got = dict((k, base64.b64decode(v)) for k, v in json.loads(reply["out"]).items())
    assert got == {"alice": b"0123456789", "bob": b"abcd", "c": b""}
    reply = ag.handle({"id": 2, "op": "rados_read", "pool": "p", "namespace": "users.uid", "names": ["bob", "zed"]})
    assert json.loads(reply["out"]) == {"bob": base64.b64encode(b"abcd").decode(), "zed": None}


def test_rados_read_needs_librados():
    reply = agent.Agent({}).handle({"id": 3, "op": "rados_read", "pool": "p", "names": None})
    assert reply["rc"] == 95 and "rados Python binding" in reply["err"]
