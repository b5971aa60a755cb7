#!/usr/bin/python3
"""The official Python Kubernetes client (Debian's python3-kubernetes), unmodified, against
kplane: CRUD of ConfigMaps, Secrets and Deployments with every patch type, selectors, paging,
errors as ApiException, watch.Watch().stream(), a small informer (list + watch with
bookmarks, relist after 410 Gone), a static-token user and a second workspace. Prints TAP.

usage: client_python.py KUBECONFIG TOKEN
  KUBECONFIG: kplane's admin kubeconfig (server https://HOST:PORT/clusters/root, client cert)
  TOKEN: a static token (--token-auth-file) of a user named "tok-user" with no rights yet
Run it with /usr/bin/python3: Debian's dist-packages are not on pyenv's path."""
import base64
import json
import sys
import threading
import time

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException

KUBECONFIG, TOKEN = sys.argv[1:3]
NS = "py"
n = 0


def tap(ok, what):
    global n
    n += 1
    what = " ".join(str(what).split())  # one TAP line, whatever a repr() spans
    print(("ok" if ok else "not ok") + " %d - %s" % (n, what), flush=True)
    return ok


def status_of(fn, *args, **kwargs):
    """Calls fn; returns (None, result) or (ApiException status, parsed Status body)."""
    try:
        return None, fn(*args, **kwargs)
    except ApiException as e:
        try:
            body = json.loads(e.body) if e.body else {}
        except ValueError:
            body = {"unparsed": e.body}
        return e.status, body


def expect_error(what, code, reason, fn, *args, **kwargs):
    st, body = status_of(fn, *args, **kwargs)
    if st is None:
        tap(False, "%s: ApiException %s %s (the call succeeded)" % (what, code, reason))
        return {}
    ok = (st == code and body.get("kind") == "Status" and body.get("code") == code
          and body.get("reason") == reason and body.get("message"))
    tap(ok, "%s: ApiException %s %s (got %s %s)" % (what, code, reason, st,
                                                     json.dumps(body)[:300]))
    return body


def api_client(server=None, token=None, content_type=None):
    """An ApiClient from kplane's kubeconfig, optionally for another server URL or a token."""
    cfg = client.Configuration()
    config.load_kube_config(config_file=KUBECONFIG, client_configuration=cfg)
    if server:
        cfg.host = server
    if token:
        cfg.cert_file = cfg.key_file = None
        cfg.api_key = {"authorization": "Bearer " + token}
    c = client.ApiClient(configuration=cfg)
    if content_type:
        # the generated patch methods always pick json-patch / strategic merge patch; a
        # default header overrides the Content-Type they choose
        c.set_default_header("Content-Type", content_type)
    return c


def cm(name, data, labels=None):
    return client.V1ConfigMap(metadata=client.V1ObjectMeta(name=name, labels=labels), data=data)


def crud_configmaps(core, core_merge):
    c = core.create_namespaced_config_map(NS, cm("one", {"a": "1"}, {"app": "demo"}))
    tap(c.metadata.name == "one" and c.metadata.uid and int(c.metadata.resource_version) > 0,
        "create_namespaced_config_map returns the object with uid and a decimal resourceVersion")
    r = core.read_namespaced_config_map("one", NS)
    tap(r.data == {"a": "1"} and r.metadata.labels == {"app": "demo"},
        "read_namespaced_config_map reads it back")
    r.data["b"] = "2"
    rep = core.replace_namespaced_config_map("one", NS, r)
    tap(rep.data == {"a": "1", "b": "2"} and
        int(rep.metadata.resource_version) > int(c.metadata.resource_version),
        "replace_namespaced_config_map stores the new data and a newer resourceVersion")
    # a replace with the old resourceVersion is a 409 Conflict and changes nothing
    stale = cm("one", {"a": "stale"})
    stale.metadata.resource_version = c.metadata.resource_version
    expect_error("replace with a stale resourceVersion", 409, "Conflict",
                 core.replace_namespaced_config_map, "one", NS, stale)
    tap(core.read_namespaced_config_map("one", NS).data == {"a": "1", "b": "2"},
        "the failed replace changed nothing")
    p = core.patch_namespaced_config_map("one", NS, {"data": {"c": "3"}})
    tap(p.data == {"a": "1", "b": "2", "c": "3"}, "patch with a dict (strategic merge patch)")
    p = core_merge.patch_namespaced_config_map("one", NS, {"data": {"a": None, "d": "4"}})
    tap(p.data == {"b": "2", "c": "3", "d": "4"}, "merge patch: null removes a key, others add")
    p = core.patch_namespaced_config_map("one", NS, [
        {"op": "replace", "path": "/data/b", "value": "two"},
        {"op": "remove", "path": "/data/c"},
        {"op": "add", "path": "/metadata/labels/tier", "value": "web"}])
    tap(p.data == {"b": "two", "d": "4"} and p.metadata.labels == {"app": "demo", "tier": "web"},
        "patch with a list (JSON patch): replace, remove, add")
    expect_error("a JSON patch whose test fails", 422, "Invalid",
                 core.patch_namespaced_config_map, "one", NS,
                 [{"op": "test", "path": "/data/b", "value": "nope"}])
    tap(core.read_namespaced_config_map("one", NS).data == {"b": "two", "d": "4"},
        "the failed patch changed nothing")
    # errors
    body = expect_error("read of a missing ConfigMap", 404, "NotFound",
                        core.read_namespaced_config_map, "missing", NS)
    tap(body.get("details", {}).get("name") == "missing" and
        body.get("details", {}).get("kind") == "configmaps",
        "its Status details name the object and kind (%s)" % body.get("details"))
    expect_error("create of an existing name", 409, "AlreadyExists",
                 core.create_namespaced_config_map, NS, cm("one", {"x": "y"}))
    body = expect_error("create with an invalid name", 422, "Invalid",
                        core.create_namespaced_config_map, NS, cm("Not_Valid", {"x": "y"}))
    causes = body.get("details", {}).get("causes", [])
    tap(any(c.get("field") == "metadata.name" for c in causes),
        "the 422 Status names the field metadata.name (%s)" % causes)
    d = core.delete_namespaced_config_map("one", NS)
    tap(d.kind == "Status" and d.status == "Success" and d.details.name == "one" and
        d.details.kind == "configmaps" and d.details.uid == c.metadata.uid,
        "delete_namespaced_config_map returns its V1Status: Success, details name, kind, uid "
        "(%s %s %s)" % (d.kind, d.status, d.details))
    expect_error("read after delete", 404, "NotFound",
                 core.read_namespaced_config_map, "one", NS)
    expect_error("delete of a missing ConfigMap", 404, "NotFound",
                 core.delete_namespaced_config_map, "one", NS)


def crud_secrets(core):
    s = client.V1Secret(metadata=client.V1ObjectMeta(name="creds"), type="Opaque",
                        data={"user": base64.b64encode(b"admin").decode()},
                        string_data={"password": "s3cr3t"})
    core.create_namespaced_secret(NS, s)
    r = core.read_namespaced_secret("creds", NS)
    tap(r.type == "Opaque" and base64.b64decode(r.data["user"]) == b"admin" and
        base64.b64decode(r.data["password"]) == b"s3cr3t" and not r.string_data,
        "a Secret with data and stringData reads back base64 data, stringData merged in")
    r.data["user"] = base64.b64encode(b"root").decode()
    core.replace_namespaced_secret("creds", NS, r)
    p = core.patch_namespaced_secret("creds", NS, {"stringData": {"token": "t0k"}})
    tap(base64.b64decode(p.data["user"]) == b"root" and base64.b64decode(p.data["token"]) == b"t0k",
        "replace and patch of a Secret (stringData in a patch)")
    lst = core.list_namespaced_secret(NS)
    tap([x.metadata.name for x in lst.items] == ["creds"], "list_namespaced_secret")
    core.delete_namespaced_secret("creds", NS)
    expect_error("the deleted Secret", 404, "NotFound", core.read_namespaced_secret, "creds", NS)


def deployment(name, replicas, image="nginx:1.25"):
    labels = {"app": name}
    return client.V1Deployment(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=replicas,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[
                    client.V1Container(name="web", image=image,
                                       ports=[client.V1ContainerPort(container_port=80)])]))))


def crud_deployments(apps, apps_merge):
    d = apps.create_namespaced_deployment(NS, deployment("web", 2))
    tap(d.spec.replicas == 2 and d.spec.template.spec.containers[0].image == "nginx:1.25",
        "create_namespaced_deployment")
    r = apps.read_namespaced_deployment("web", NS)
    r.spec.replicas = 3
    r = apps.replace_namespaced_deployment("web", NS, r)
    tap(r.spec.replicas == 3, "replace_namespaced_deployment sets replicas 3")
    # strategic merge patch merges the containers list by name
    p = apps.patch_namespaced_deployment("web", NS, {"spec": {"template": {"spec": {
        "containers": [{"name": "sidecar", "image": "busybox"}]}}}})
    names = [c.name for c in p.spec.template.spec.containers]
    tap(sorted(names) == ["sidecar", "web"],
        "strategic merge patch adds a container by name, keeping the other (%s)" % names)
    p = apps.patch_namespaced_deployment("web", NS, {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "image": "nginx:1.27"}]}}}})
    imgs = {c.name: c.image for c in p.spec.template.spec.containers}
    tap(imgs == {"web": "nginx:1.27", "sidecar": "busybox"},
        "strategic merge patch changes one container's image (%s)" % imgs)
    # a merge patch replaces the whole list
    p = apps_merge.patch_namespaced_deployment("web", NS, {"spec": {"template": {"spec": {
        "containers": [{"name": "web", "image": "nginx:1.28"}]}}}})
    tap([(c.name, c.image) for c in p.spec.template.spec.containers] == [("web", "nginx:1.28")],
        "merge patch replaces the containers list")
    p = apps.patch_namespaced_deployment("web", NS, [
        {"op": "replace", "path": "/spec/replicas", "value": 5}])
    tap(p.spec.replicas == 5, "JSON patch of spec.replicas")
    sc = apps.read_namespaced_deployment_scale("web", NS)
    tap(sc.spec.replicas == 5, "read_namespaced_deployment_scale")
    sc = apps.patch_namespaced_deployment_scale("web", NS, {"spec": {"replicas": 1}})
    tap(sc.spec.replicas == 1 and apps.read_namespaced_deployment("web", NS).spec.replicas == 1,
        "patch_namespaced_deployment_scale scales the Deployment")
    apps.create_namespaced_deployment(NS, deployment("api", 1))
    lst = apps.list_namespaced_deployment(NS)
    tap(sorted(x.metadata.name for x in lst.items) == ["api", "web"], "list_namespaced_deployment")
    bad = deployment("bad", 1)
    bad.metadata.labels = {"app": "not a label value!"}
    body = expect_error("a Deployment with an invalid label value", 422, "Invalid",
                        apps.create_namespaced_deployment, NS, bad)
    tap(body.get("message", "").startswith('Deployment.apps "bad" is invalid: metadata.labels'),
        "its message names the qualified kind and the field (%s)" % body.get("message"))
    d = apps.delete_namespaced_deployment("api", NS)
    tap(d.status == "Success" and d.details.group == "apps" and d.details.kind == "deployments",
        "delete_namespaced_deployment returns Success naming group apps (%s)" % d.details)
    apps.delete_namespaced_deployment("web", NS, body=client.V1DeleteOptions(
        propagation_policy="Background"))
    tap(apps.list_namespaced_deployment(NS).items == [], "both Deployments deleted")


def selectors_and_paging(core):
    for i in range(7):
        core.create_namespaced_config_map(NS, cm("sel-%d" % i, {"i": str(i)},
                                                 {"parity": "even" if i % 2 == 0 else "odd",
                                                  "idx": str(i)}))
    names = lambda lst: sorted(x.metadata.name for x in lst.items)
    tap(names(core.list_namespaced_config_map(NS, label_selector="parity=odd")) ==
        ["sel-1", "sel-3", "sel-5"], "label selector parity=odd")
    tap(names(core.list_namespaced_config_map(NS, label_selector="idx in (0,6),parity!=odd")) ==
        ["sel-0", "sel-6"], "set-based label selector")
    tap(names(core.list_namespaced_config_map(NS, field_selector="metadata.name=sel-4")) ==
        ["sel-4"], "field selector metadata.name=sel-4")
    tap(names(core.list_config_map_for_all_namespaces(
        field_selector="metadata.namespace=%s" % NS, label_selector="parity=even")) ==
        ["sel-0", "sel-2", "sel-4", "sel-6"], "all namespaces, field and label selector together")
    expect_error("a malformed label selector", 400, "BadRequest",
                 core.list_namespaced_config_map, NS, label_selector="a in (")
    seen, pages, token = [], 0, None
    while True:
        kw = {"limit": 3}
        if token:
            kw["_continue"] = token
        page = core.list_namespaced_config_map(NS, label_selector="idx", **kw)
        pages += 1
        seen += [x.metadata.name for x in page.items]
        token = page.metadata._continue
        if pages == 1:
            first_rv = page.metadata.resource_version
            tap(len(page.items) == 3 and token, "limit=3 gives 3 items and a continue token")
        if not token or pages > 10:
            break
    tap(seen == ["sel-%d" % i for i in range(7)] and pages == 3,
        "continue walks all 7 items in 3 pages, in name order (%s)" % seen)
    tap(int(first_rv) > 0, "a list carries a resourceVersion")
    expect_error("a malformed continue token", 400, "BadRequest",
                 core.list_namespaced_config_map, NS, limit=3, _continue="bogus!")
    for i in range(7):
        core.delete_namespaced_config_map("sel-%d" % i, NS)


def watch_stream(core):
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    got = []

    def collect():
        w = watch.Watch()
        for ev in w.stream(core.list_namespaced_config_map, NS, resource_version=rv,
                           timeout_seconds=10):
            got.append((ev["type"], ev["object"].metadata.name,
                        (ev["object"].data or {}).get("v")))
            if len(got) == 3:
                w.stop()

    t = threading.Thread(target=collect)
    t.start()
    core.create_namespaced_config_map(NS, cm("w", {"v": "1"}))
    core.patch_namespaced_config_map("w", NS, {"data": {"v": "2"}})
    core.delete_namespaced_config_map("w", NS)
    t.join(20)
    tap(got == [("ADDED", "w", "1"), ("MODIFIED", "w", "2"), ("DELETED", "w", "2")],
        "watch.Watch().stream() from a resourceVersion: ADDED, MODIFIED, DELETED as typed objects "
        "(%s)" % got)
    # the same watch from before those writes replays them
    got2 = [(ev["type"], ev["object"].metadata.name) for ev in
            watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=rv,
                                 timeout_seconds=2)]
    tap(got2 == [("ADDED", "w"), ("MODIFIED", "w"), ("DELETED", "w")],
        "a second watch from the same resourceVersion replays the same events (%s)" % got2)


class Informer:
    """What client-go's reflector does, in small: list, then watch from the list's
    resourceVersion with allowWatchBookmarks; on 410 Gone, list again."""

    def __init__(self, core, ns):
        self.core, self.ns = core, ns
        self.cache, self.rv = {}, None
        self.lists = self.bookmarks = self.expired = 0

    def relist(self):
        lst = self.core.list_namespaced_config_map(self.ns)
        self.cache = {x.metadata.name: x for x in lst.items}
        self.rv = lst.metadata.resource_version
        self.lists += 1

    def watch_once(self, seconds):
        """One watch request from self.rv until the server ends it."""
        if self.rv is None:
            self.relist()
        try:
            for ev in watch.Watch().stream(self.core.list_namespaced_config_map, self.ns,
                                           resource_version=self.rv, timeout_seconds=seconds,
                                           allow_watch_bookmarks=True):
                t, raw = ev["type"], ev["raw_object"]
                if t == "BOOKMARK":
                    self.bookmarks += 1
                elif t == "DELETED":
                    self.cache.pop(raw["metadata"]["name"], None)
                else:
                    self.cache[raw["metadata"]["name"]] = ev["object"]
                self.rv = raw["metadata"]["resourceVersion"]
        except ApiException as e:
            if e.status != 410:
                raise
            self.expired += 1
            self.relist()


def informer(core, compact_wait):
    inf = Informer(core, NS)
    inf.relist()
    for i in range(3):
        core.create_namespaced_config_map(NS, cm("inf-%d" % i, {"v": "0"}))
    inf.watch_once(3)
    tap(sorted(inf.cache) == ["inf-0", "inf-1", "inf-2"] and inf.lists == 1,
        "the informer lists once and watches the creates (%s)" % sorted(inf.cache))
    tap(inf.bookmarks >= 1, "its watch gets a BOOKMARK before the server ends it (%d)"
        % inf.bookmarks)
    rv_before = int(inf.rv)
    core.create_namespaced_config_map(NS, cm("inf-quiet", {"v": "0"}))
    inf.watch_once(3)
    tap(int(inf.rv) > rv_before and "inf-quiet" in inf.cache and inf.lists == 1,
        "the next watch resumes from the last resourceVersion, no relist")
    # while the informer is away, enough writes to push its resourceVersion out of the
    # server's event window
    for i in range(40):
        core.patch_namespaced_config_map("inf-%d" % (i % 3), NS, {"data": {"v": str(i + 1)}})
    core.delete_namespaced_config_map("inf-quiet", NS)
    core.create_namespaced_config_map(NS, cm("inf-late", {"v": "x"}))
    time.sleep(compact_wait)
    # the watch answers 200 and an ERROR event with a 410 Status; Watch.stream() raises it
    # (it retries once only without timeout_seconds), naming the Status's reason and message
    try:
        list(watch.Watch().stream(core.list_namespaced_config_map, NS,
                                  resource_version=str(rv_before), timeout_seconds=2))
        st, reason = None, ""
    except ApiException as e:
        st, reason = e.status, e.reason or ""
    tap(st == 410 and reason.startswith("Expired: ") and "too old resource version" in reason,
        "a watch from a compacted resourceVersion raises ApiException 410 Expired (%s %s)"
        % (st, reason))
    inf.watch_once(2)
    tap(inf.expired == 1 and inf.lists == 2, "the informer got 410 Gone and listed again "
        "(expired %d, lists %d)" % (inf.expired, inf.lists))
    inf.watch_once(2)
    server = {x.metadata.name: x for x in core.list_namespaced_config_map(NS).items}
    same = (sorted(server) == sorted(inf.cache) and all(
        server[k].metadata.resource_version == inf.cache[k].metadata.resource_version and
        server[k].data == inf.cache[k].data for k in server))
    tap(same, "the informer's cache equals the server's state (%s)" % sorted(inf.cache))
    for k in server:
        core.delete_namespaced_config_map(k, NS)


def token_user(core):
    tcore = client.CoreV1Api(api_client(token=TOKEN))
    expect_error("a token user without rights", 403, "Forbidden",
                 tcore.list_namespaced_config_map, NS)
    rbac = client.RbacAuthorizationV1Api(core.api_client)
    rbac.create_cluster_role_binding(client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name="tok-user-admin"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole",
                                  name="cluster-admin"),
        subjects=[client.V1Subject(kind="User", name="tok-user",
                                       api_group="rbac.authorization.k8s.io")]))
    deadline = time.time() + 10
    while True:
        st, res = status_of(tcore.create_namespaced_config_map, NS, cm("by-token", {"a": "b"}))
        if st is None or time.time() > deadline:
            break
        time.sleep(0.2)
    tap(st is None and res.metadata.name == "by-token",
        "after a ClusterRoleBinding the token user creates a ConfigMap (%s)" % st)
    tap(core.read_namespaced_config_map("by-token", NS).data == {"a": "b"},
        "the admin reads what the token user wrote")
    expect_error("a wrong token", 401, "Unauthorized",
                 client.CoreV1Api(api_client(token="wrong-token")).list_namespace)
    core.delete_namespaced_config_map("by-token", NS)


def workspaces(core, server):
    co = client.CustomObjectsApi(core.api_client)
    co.create_cluster_custom_object("tenancy.kplane.io", "v1alpha1", "workspaces", {
        "apiVersion": "tenancy.kplane.io/v1alpha1", "kind": "Workspace",
        "metadata": {"name": "x"}})
    deadline, phase = time.time() + 20, None
    while time.time() < deadline:
        ws = co.get_cluster_custom_object("tenancy.kplane.io", "v1alpha1", "workspaces", "x")
        phase = ws.get("status", {}).get("phase")
        if phase == "Ready":
            break
        time.sleep(0.2)
    tap(phase == "Ready", "a Workspace created with CustomObjectsApi becomes Ready (%s)" % phase)
    xcore = client.CoreV1Api(api_client(server=server + ":x"))
    tap(sorted(x.metadata.name for x in xcore.list_namespace().items) ==
        ["default", "kube-system"] or "default" in
        [x.metadata.name for x in xcore.list_namespace().items],
        "a client for /clusters/root:x lists that workspace's namespaces")
    xcore.create_namespaced_config_map("default", cm("only-in-x", {"w": "x"}))
    core.create_namespaced_config_map("default", cm("only-in-root", {"w": "root"}))
    tap([x.metadata.name for x in xcore.list_namespaced_config_map(
        "default", label_selector="").items if x.metadata.name.startswith("only-")] ==
        ["only-in-x"], "root:x lists only its own ConfigMap")
    tap([x.metadata.name for x in core.list_namespaced_config_map("default").items
         if x.metadata.name.startswith("only-")] == ["only-in-root"],
        "root lists only its own ConfigMap")
    expect_error("root cannot read root:x's ConfigMap by name", 404, "NotFound",
                 core.read_namespaced_config_map, "only-in-x", "default")
    expect_error("root:x has no namespace py of root's", 404, "NotFound",
                 xcore.read_namespace, NS)
    # the same name in both workspaces are two objects
    xcore.create_namespaced_config_map("default", cm("only-in-root", {"w": "x"}))
    tap(core.read_namespaced_config_map("only-in-root", "default").data == {"w": "root"} and
        xcore.read_namespaced_config_map("only-in-root", "default").data == {"w": "x"},
        "one name in two workspaces is two objects")
    expect_error("a client for an unknown workspace", 404, "NotFound",
                 client.CoreV1Api(api_client(server=server + ":nope")).list_namespace)


def dynamic_client(base):
    """kubernetes.dynamic: any kind by apiVersion and kind, through discovery of /api, /apis."""
    dyn = dynamic.DynamicClient(base)
    cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
    o = cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dyn"},
                         "data": {"a": "1"}}, namespace=NS)
    tap(o.metadata.name == "dyn" and int(o.metadata.resourceVersion) > 0,
        "DynamicClient finds ConfigMap through discovery and creates one")
    p = cms.patch(body={"data": {"b": "2"}}, name="dyn", namespace=NS,
                  content_type="application/merge-patch+json")
    tap(dict(p.data) == {"a": "1", "b": "2"}, "DynamicClient merge patch")
    tap([x.metadata.name for x in cms.get(namespace=NS, label_selector="").items] == ["dyn"],
        "DynamicClient list")
    deps = dyn.resources.get(api_version="apps/v1", kind="Deployment")
    tap(deps.namespaced and deps.name == "deployments", "DynamicClient finds apps/v1 Deployment")
    ws = dyn.resources.get(api_version="tenancy.kplane.io/v1alpha1", kind="Workspace")
    tap(not ws.namespaced, "DynamicClient finds kplane's Workspace, cluster-scoped")
    evs = [(e["type"], e["object"].metadata.name) for e in cms.watch(namespace=NS, timeout=1)]
    tap(evs == [("ADDED", "dyn")], "DynamicClient watch without a resourceVersion starts with the "
        "current state (%s)" % evs)
    d = cms.delete(name="dyn", namespace=NS)
    tap(d.status == "Success", "DynamicClient delete")


def main():
    cfg = client.Configuration()
    config.load_kube_config(config_file=KUBECONFIG, client_configuration=cfg)
    server = cfg.host
    tap(server.endswith("/clusters/root"), "the kubeconfig's server has the /clusters/root path")
    base = api_client()
    core = client.CoreV1Api(base)
    core_merge = client.CoreV1Api(api_client(content_type="application/merge-patch+json"))
    apps = client.AppsV1Api(base)
    apps_merge = client.AppsV1Api(api_client(content_type="application/merge-patch+json"))
    v = client.VersionApi(base).get_code()
    tap(v.major == "1" and v.git_version.startswith("v1."), "VersionApi: %s" % v.git_version)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=NS)))
    tap(core.read_namespace(NS).status.phase == "Active", "create and read a Namespace")
    compact_wait = float(sys.argv[3]) if len(sys.argv) > 3 else 3
    for step in (lambda: crud_configmaps(core, core_merge), lambda: crud_secrets(core),
                 lambda: crud_deployments(apps, apps_merge), lambda: dynamic_client(base),
                 lambda: selectors_and_paging(core),
                 lambda: watch_stream(core), lambda: informer(core, compact_wait),
                 lambda: token_user(core), lambda: workspaces(core, server)):
        try:
            step()
        except Exception as e:  # one broken step must not hide the others' results
            tap(False, "step raised %s: %s" % (type(e).__name__, str(e)[:500]))
    print("1..%d" % n)


main()
