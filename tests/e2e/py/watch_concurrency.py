#!/usr/bin/env python3
"""Concurrent writers against one kplane, with watchers: no event is lost, duplicated or
reordered. 8 writer threads each make UPDATES successful read-modify-write increments on
4 shared ConfigMaps (retrying on 409 Conflict); a watch opened before the writers start and
a watch resumed from the middle must each see exactly the committed updates, in
resourceVersion order, and every counter's values in sequence. Prints TAP.

usage: watch_concurrency.py BASE_URL CA CERT KEY [UPDATES]"""
import http.client
import json
import ssl
import sys
import threading
import urllib.parse

BASE, CA, CERT, KEY = sys.argv[1:5]
UPDATES = int(sys.argv[5]) if len(sys.argv) > 5 else 150
WRITERS, KEYS = 8, 4
u = urllib.parse.urlparse(BASE)
CTX = ssl.create_default_context(cafile=CA)
CTX.load_cert_chain(CERT, KEY)
NS_PATH = u.path + "/api/v1/namespaces/watchtest/configmaps"
n = 0


def tap(ok, what):
    global n
    n += 1
    print(("ok" if ok else "not ok") + " %d - %s" % (n, what), flush=True)


def conn():
    return http.client.HTTPSConnection(u.hostname, u.port, context=CTX, timeout=60)


def call(c, method, path, body=None):
    c.request(method, path, body=json.dumps(body) if body is not None else None,
              headers={"Content-Type": "application/json", "Accept": "application/json"})
    r = c.getresponse()
    data = r.read()
    return r.status, (json.loads(data) if data else None)


class Watcher(threading.Thread):
    def __init__(self, rv, want):
        super().__init__(daemon=True)
        self.rv, self.want, self.events, self.error = rv, want, [], None

    def run(self):
        try:
            c = http.client.HTTPSConnection(u.hostname, u.port, context=CTX, timeout=120)
            c.request("GET", NS_PATH + "?watch=true&resourceVersion=%s&timeoutSeconds=110" % self.rv,
                      headers={"Accept": "application/json"})
            r = c.getresponse()
            buf = b""
            while len(self.events) < self.want:
                chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.strip():
                        self.events.append(json.loads(line))
        except Exception as e:  # reported as a failed assertion below
            self.error = repr(e)


def writer(results, idx):
    c = conn()
    done = conflicts = 0
    key = "c%d" % (idx % KEYS)
    while done < UPDATES:
        st, obj = call(c, "GET", NS_PATH + "/" + key)
        if st != 200:
            results[idx] = ("get failed", st)
            return
        obj["data"]["n"] = str(int(obj["data"]["n"]) + 1)
        st, _ = call(c, "PUT", NS_PATH + "/" + key, obj)
        if st == 200:
            done += 1
        elif st == 409:
            conflicts += 1
        else:
            results[idx] = ("put failed", st)
            return
    results[idx] = ("ok", conflicts)


def main():
    c = conn()
    st, _ = call(c, "POST", u.path + "/api/v1/namespaces",
                 {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "watchtest"}})
    tap(st in (201, 409), "namespace watchtest exists (%s)" % st)
    for k in range(KEYS):
        st, _ = call(c, "POST", NS_PATH, {"apiVersion": "v1", "kind": "ConfigMap",
                                          "metadata": {"name": "c%d" % k}, "data": {"n": "0"}})
        tap(st == 201, "ConfigMap c%d created" % k)
    st, lst = call(c, "GET", NS_PATH)
    start_rv = lst["metadata"]["resourceVersion"]
    total = WRITERS * UPDATES
    w1 = Watcher(start_rv, total)
    w1.start()
    results = [None] * WRITERS
    ts = [threading.Thread(target=writer, args=(results, i)) for i in range(WRITERS)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    tap(all(r and r[0] == "ok" for r in results), "8 writers made %d increments each (%s conflicts)"
        % (UPDATES, sum(r[1] for r in results if r and r[0] == "ok")))
    w1.join(120)
    ev = w1.events
    tap(w1.error is None, "the first watch stayed up (%s)" % w1.error)
    tap(len(ev) == total, "the first watch saw every update: %d of %d" % (len(ev), total))
    rvs = [int(e["object"]["metadata"]["resourceVersion"]) for e in ev]
    tap(all(a < b for a, b in zip(rvs, rvs[1:])), "its resourceVersions strictly increase")
    tap(all(e["type"] == "MODIFIED" for e in ev), "every event is MODIFIED")
    ok = True
    last = {}
    for e in ev:
        name, val = e["object"]["metadata"]["name"], int(e["object"]["data"]["n"])
        ok &= val == last.get(name, 0) + 1
        last[name] = val
    tap(ok, "each counter's values arrive as 1, 2, 3, ... with none missing")
    finals = {}
    for k in range(KEYS):
        st, obj = call(c, "GET", NS_PATH + "/c%d" % k)
        finals["c%d" % k] = int(obj["data"]["n"])
    tap(finals == last, "the last event of each counter is its stored value %s" % finals)
    tap(sum(finals.values()) == total, "no increment was lost: %d" % sum(finals.values()))
    # resume from the middle: exactly the later events
    mid = len(ev) // 2
    w2 = Watcher(rvs[mid - 1], total - mid)
    w2.run()
    tap([int(e["object"]["metadata"]["resourceVersion"]) for e in w2.events] == rvs[mid:],
        "a watch resumed from the middle gets exactly the later %d events" % (total - mid))
    print("1..%d" % n)


main()
