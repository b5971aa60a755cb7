// The official JavaScript client (@kubernetes/client-node 1.x, which deploy/install-deps.sh
// installs into .cache/node), unmodified, against kplane: CRUD of ConfigMaps, Secrets and
// Deployments with every patch type, selectors, paging, errors as ApiException, Watch with
// bookmarks, makeInformer (list, watch, relist after 410 Gone), a static-token user and a
// second workspace. Prints TAP.
//
// usage: node client_node.mjs KUBECONFIG TOKEN CLIENT_NODE_ENTRY [COMPACT_WAIT_S]
//   KUBECONFIG: kplane's admin kubeconfig (server https://HOST:PORT/clusters/root, client cert)
//   TOKEN: a static token (--token-auth-file) of a user named "tok-user" with no rights yet
//   CLIENT_NODE_ENTRY: the package's dist/index.js (it lives outside this folder)
import { pathToFileURL } from 'node:url';

const [KUBECONFIG, TOKEN, ENTRY] = process.argv.slice(2, 5);
const COMPACT_WAIT = Number(process.argv[5] || 3) * 1000;
const k8s = await import(pathToFileURL(ENTRY).href);
const NS = 'js';
let n = 0;

function tap(ok, what) {
    n++;
    console.log(`${ok ? 'ok' : 'not ok'} ${n} - ${what}`);
    return ok;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const short = (v) => JSON.stringify(v).slice(0, 300);

// (null, result) or (status code, parsed Status body)
async function statusOf(p) {
    try {
        return [null, await p];
    } catch (e) {
        if (!(e instanceof k8s.ApiException)) throw e;
        let body = e.body;
        if (typeof body === 'string') {
            try {
                body = JSON.parse(body);
            } catch {
                body = { unparsed: body };
            }
        }
        return [e.code, body || {}];
    }
}

async function expectError(what, code, reason, p) {
    const [st, body] = await statusOf(p);
    if (st === null) {
        tap(false, `${what}: ApiException ${code} ${reason} (the call succeeded)`);
        return {};
    }
    tap(st === code && body.kind === 'Status' && body.code === code && body.reason === reason &&
        !!body.message, `${what}: ApiException ${code} ${reason} (got ${st} ${short(body)})`);
    return body;
}

function kubeConfig({ server, token } = {}) {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(KUBECONFIG);
    if (!server && !token) return kc;
    const cl = kc.getCurrentCluster();
    const u = kc.getCurrentUser();
    const kc2 = new k8s.KubeConfig();
    kc2.loadFromOptions({
        clusters: [{ name: 'c', server: server || cl.server, caData: cl.caData }],
        users: [token ? { name: 'u', token } : { ...u, name: 'u' }],
        contexts: [{ name: 'ctx', cluster: 'c', user: 'u' }],
        currentContext: 'ctx',
    });
    return kc2;
}

const cm = (name, data, labels) => ({ metadata: { name, labels }, data });
const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const sortedKeys = (o) => Object.fromEntries(Object.keys(o || {}).sort().map((k) => [k, o[k]]));

async function crudConfigMaps(core) {
    const c = await core.createNamespacedConfigMap({ namespace: NS, body: cm('one', { a: '1' }, { app: 'demo' }) });
    tap(c.metadata.name === 'one' && !!c.metadata.uid && Number(c.metadata.resourceVersion) > 0,
        'createNamespacedConfigMap returns the object with uid and a decimal resourceVersion');
    const r = await core.readNamespacedConfigMap({ name: 'one', namespace: NS });
    tap(eq(r.data, { a: '1' }) && eq(r.metadata.labels, { app: 'demo' }), 'readNamespacedConfigMap reads it back');
    r.data.b = '2';
    const rep = await core.replaceNamespacedConfigMap({ name: 'one', namespace: NS, body: r });
    tap(eq(sortedKeys(rep.data), { a: '1', b: '2' }) &&
        Number(rep.metadata.resourceVersion) > Number(c.metadata.resourceVersion),
        'replaceNamespacedConfigMap stores the new data and a newer resourceVersion');
    const stale = cm('one', { a: 'stale' });
    stale.metadata.resourceVersion = c.metadata.resourceVersion;
    await expectError('replace with a stale resourceVersion', 409, 'Conflict',
        core.replaceNamespacedConfigMap({ name: 'one', namespace: NS, body: stale }));
    let p = await core.patchNamespacedConfigMap({ name: 'one', namespace: NS, body: { data: { c: '3' } } }, strategic);
    tap(eq(sortedKeys(p.data), { a: '1', b: '2', c: '3' }), 'strategic merge patch (setHeaderOptions)');
    p = await core.patchNamespacedConfigMap({ name: 'one', namespace: NS, body: { data: { a: null, d: '4' } } }, merge);
    tap(eq(sortedKeys(p.data), { b: '2', c: '3', d: '4' }), 'merge patch: null removes a key, others add');
    p = await core.patchNamespacedConfigMap({
        name: 'one', namespace: NS, body: [
            { op: 'replace', path: '/data/b', value: 'two' },
            { op: 'remove', path: '/data/c' },
            { op: 'add', path: '/metadata/labels/tier', value: 'web' }],
    });
    tap(eq(sortedKeys(p.data), { b: 'two', d: '4' }) && eq(sortedKeys(p.metadata.labels), { app: 'demo', tier: 'web' }),
        'JSON patch (the default Content-Type): replace, remove, add');
    await expectError('a JSON patch whose test fails', 422, 'Invalid',
        core.patchNamespacedConfigMap({ name: 'one', namespace: NS, body: [{ op: 'test', path: '/data/b', value: 'no' }] }));
    const after = await core.readNamespacedConfigMap({ name: 'one', namespace: NS });
    tap(eq(sortedKeys(after.data), { b: 'two', d: '4' }), 'the failed patch and replace changed nothing');
    const nf = await expectError('read of a missing ConfigMap', 404, 'NotFound',
        core.readNamespacedConfigMap({ name: 'missing', namespace: NS }));
    tap(nf.details && nf.details.name === 'missing', `its Status details name the object (${short(nf.details)})`);
    await expectError('create of an existing name', 409, 'AlreadyExists',
        core.createNamespacedConfigMap({ namespace: NS, body: cm('one', { x: 'y' }) }));
    const inv = await expectError('create with an invalid name', 422, 'Invalid',
        core.createNamespacedConfigMap({ namespace: NS, body: cm('Not_Valid', { x: 'y' }) }));
    tap(((inv.details || {}).causes || []).some((x) => x.field === 'metadata.name'),
        'the 422 Status names the field metadata.name');
    const d = await core.deleteNamespacedConfigMap({ name: 'one', namespace: NS });
    tap(d.kind === 'Status' && d.status === 'Success' && d.details.name === 'one' && d.details.kind === 'configmaps' &&
        d.details.uid === c.metadata.uid, `deleteNamespacedConfigMap returns its V1Status: Success with details (${short(d)})`);
    await expectError('read after delete', 404, 'NotFound', core.readNamespacedConfigMap({ name: 'one', namespace: NS }));
    await expectError('delete of a missing ConfigMap', 404, 'NotFound',
        core.deleteNamespacedConfigMap({ name: 'one', namespace: NS }));
}

async function crudSecrets(core) {
    await core.createNamespacedSecret({
        namespace: NS, body: {
            metadata: { name: 'creds' }, type: 'Opaque',
            data: { user: Buffer.from('admin').toString('base64') }, stringData: { password: 's3cr3t' },
        },
    });
    const r = await core.readNamespacedSecret({ name: 'creds', namespace: NS });
    const dec = (s) => Buffer.from(s, 'base64').toString();
    tap(r.type === 'Opaque' && dec(r.data.user) === 'admin' && dec(r.data.password) === 's3cr3t' && !r.stringData,
        'a Secret with data and stringData reads back base64 data');
    r.data.user = Buffer.from('root').toString('base64');
    await core.replaceNamespacedSecret({ name: 'creds', namespace: NS, body: r });
    const p = await core.patchNamespacedSecret({ name: 'creds', namespace: NS, body: { stringData: { token: 't0k' } } }, merge);
    tap(dec(p.data.user) === 'root' && dec(p.data.token) === 't0k', 'replace and merge patch of a Secret');
    const l = await core.listNamespacedSecret({ namespace: NS });
    tap(eq(l.items.map((x) => x.metadata.name), ['creds']), 'listNamespacedSecret');
    await core.deleteNamespacedSecret({ name: 'creds', namespace: NS });
    await expectError('the deleted Secret', 404, 'NotFound', core.readNamespacedSecret({ name: 'creds', namespace: NS }));
}

function deployment(name, replicas) {
    const labels = { app: name };
    return {
        metadata: { name, labels },
        spec: {
            replicas, selector: { matchLabels: labels },
            template: {
                metadata: { labels },
                spec: { containers: [{ name: 'web', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
            },
        },
    };
}

async function crudDeployments(apps) {
    const d = await apps.createNamespacedDeployment({ namespace: NS, body: deployment('web', 2) });
    tap(d.spec.replicas === 2 && d.spec.template.spec.containers[0].image === 'nginx:1.25', 'createNamespacedDeployment');
    const r = await apps.readNamespacedDeployment({ name: 'web', namespace: NS });
    r.spec.replicas = 3;
    tap((await apps.replaceNamespacedDeployment({ name: 'web', namespace: NS, body: r })).spec.replicas === 3,
        'replaceNamespacedDeployment sets replicas 3');
    let p = await apps.patchNamespacedDeployment({
        name: 'web', namespace: NS,
        body: { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox' }] } } } },
    }, strategic);
    const names = p.spec.template.spec.containers.map((c) => c.name).sort();
    tap(eq(names, ['sidecar', 'web']), `strategic merge patch adds a container by name (${names})`);
    p = await apps.patchNamespacedDeployment({
        name: 'web', namespace: NS,
        body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.28' }] } } } },
    }, merge);
    tap(eq(p.spec.template.spec.containers.map((c) => [c.name, c.image]), [['web', 'nginx:1.28']]),
        'merge patch replaces the containers list');
    p = await apps.patchNamespacedDeployment({ name: 'web', namespace: NS, body: [{ op: 'replace', path: '/spec/replicas', value: 5 }] });
    tap(p.spec.replicas === 5, 'JSON patch of spec.replicas');
    const sc = await apps.replaceNamespacedDeploymentScale({
        name: 'web', namespace: NS,
        body: { metadata: { name: 'web', namespace: NS }, spec: { replicas: 1 } },
    });
    tap(sc.spec.replicas === 1 && (await apps.readNamespacedDeployment({ name: 'web', namespace: NS })).spec.replicas === 1,
        'replaceNamespacedDeploymentScale scales the Deployment');
    const l = await apps.listNamespacedDeployment({ namespace: NS });
    tap(eq(l.items.map((x) => x.metadata.name), ['web']), 'listNamespacedDeployment');
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: NS, propagationPolicy: 'Background' });
    tap((await apps.listNamespacedDeployment({ namespace: NS })).items.length === 0, 'deleteNamespacedDeployment');
}

async function selectorsAndPaging(core) {
    for (let i = 0; i < 7; i++) {
        await core.createNamespacedConfigMap({
            namespace: NS, body: cm(`sel-${i}`, { i: `${i}` }, { parity: i % 2 ? 'odd' : 'even', idx: `${i}` }),
        });
    }
    const names = (l) => l.items.map((x) => x.metadata.name).sort();
    tap(eq(names(await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'parity=odd' })), ['sel-1', 'sel-3', 'sel-5']),
        'label selector parity=odd');
    tap(eq(names(await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'idx notin (1,2,3,4,5)' })), ['sel-0', 'sel-6']),
        'set-based label selector');
    tap(eq(names(await core.listNamespacedConfigMap({ namespace: NS, fieldSelector: 'metadata.name=sel-4' })), ['sel-4']),
        'field selector metadata.name=sel-4');
    tap(eq(names(await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${NS}`, labelSelector: 'parity=even' })),
        ['sel-0', 'sel-2', 'sel-4', 'sel-6']), 'all namespaces, field and label selector together');
    const fs = await expectError('a field selector on an unsupported field', 400, 'BadRequest',
        core.listNamespacedConfigMap({ namespace: NS, fieldSelector: 'spec.foo=bar' }));
    tap(/field label not supported: spec\.foo/.test(fs.message || ''), `its message names the field (${fs.message})`);
    const seen = [];
    let token, pages = 0;
    do {
        const page = await core.listNamespacedConfigMap({ namespace: NS, labelSelector: 'idx', limit: 3, _continue: token });
        pages++;
        seen.push(...page.items.map((x) => x.metadata.name));
        token = page.metadata._continue;
        if (pages === 1) tap(page.items.length === 3 && !!token, 'limit=3 gives 3 items and a continue token');
    } while (token && pages < 10);
    tap(eq(seen, [0, 1, 2, 3, 4, 5, 6].map((i) => `sel-${i}`)) && pages === 3,
        `continue walks all 7 items in 3 pages (${seen})`);
    for (let i = 0; i < 7; i++) await core.deleteNamespacedConfigMap({ name: `sel-${i}`, namespace: NS });
}

// one watch request through Watch.watch; resolves with its events when the server ends it
function watchOnce(kc, path, query) {
    return new Promise((resolve, reject) => {
        const evs = [];
        new k8s.Watch(kc).watch(path, query, (type, obj) => evs.push([type, obj]),
            (err) => (err ? reject(err) : resolve(evs))).catch(reject);
    });
}

async function watches(kc, core) {
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    const rv = (await core.listNamespacedConfigMap({ namespace: NS })).metadata.resourceVersion;
    const w = watchOnce(kc, path, { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 4 });
    await core.createNamespacedConfigMap({ namespace: NS, body: cm('w', { v: '1' }) });
    await core.patchNamespacedConfigMap({ name: 'w', namespace: NS, body: { data: { v: '2' } } }, merge);
    await core.deleteNamespacedConfigMap({ name: 'w', namespace: NS });
    const evs = await w;
    const got = evs.filter(([t]) => t !== 'BOOKMARK').map(([t, o]) => [t, o.metadata.name, o.data.v]);
    tap(eq(got, [['ADDED', 'w', '1'], ['MODIFIED', 'w', '2'], ['DELETED', 'w', '2']]),
        `Watch.watch from a resourceVersion: ADDED, MODIFIED, DELETED (${short(got)})`);
    const bm = evs.filter(([t]) => t === 'BOOKMARK');
    const last = evs[evs.length - 1];
    tap(bm.length >= 1 && last[0] === 'BOOKMARK' && last[1].kind === 'ConfigMap' &&
        Number(last[1].metadata.resourceVersion) >= Number(evs[2][1].metadata.resourceVersion),
        `with allowWatchBookmarks the watch ends with a BOOKMARK as new as its last event (${short(last)})`);
}

async function informer(kc, core) {
    const path = `/api/v1/namespaces/${NS}/configmaps`;
    let lists = 0;
    const errors = [];
    const inf = k8s.makeInformer(kc, path, () => {
        lists++;
        return core.listNamespacedConfigMap({ namespace: NS });
    });
    const events = [];
    inf.on('add', (o) => events.push(['add', o.metadata.name]));
    inf.on('update', (o) => events.push(['update', o.metadata.name]));
    inf.on('delete', (o) => events.push(['delete', o.metadata.name]));
    inf.on('error', (e) => errors.push(e));
    await core.createNamespacedConfigMap({ namespace: NS, body: cm('inf-0', { v: '0' }) });
    await inf.start();
    for (let i = 1; i < 3; i++) await core.createNamespacedConfigMap({ namespace: NS, body: cm(`inf-${i}`, { v: '0' }) });
    const waitFor = async (cond, ms = 10000) => {
        const end = Date.now() + ms;
        while (!cond() && Date.now() < end) await sleep(50);
        return cond();
    };
    tap(await waitFor(() => inf.list(NS).length === 3) && lists === 1,
        `makeInformer lists once and watches the creates (${inf.list(NS).map((o) => o.metadata.name)})`);
    await core.patchNamespacedConfigMap({ name: 'inf-1', namespace: NS, body: { data: { v: 'x' } } }, merge);
    tap(await waitFor(() => (inf.get('inf-1', NS) || { data: {} }).data.v === 'x'), 'an update reaches its cache');
    const rvBefore = inf.latestResourceVersion();
    await inf.stop();
    await sleep(200);
    // while it is stopped, enough writes to push its resourceVersion out of the event window
    for (let i = 0; i < 40; i++) {
        await core.patchNamespacedConfigMap({ name: `inf-${i % 3}`, namespace: NS, body: { data: { v: `${i}` } } }, merge);
    }
    await core.deleteNamespacedConfigMap({ name: 'inf-2', namespace: NS });
    await core.createNamespacedConfigMap({ namespace: NS, body: cm('inf-late', { v: 'late' }) });
    await sleep(COMPACT_WAIT);
    const gone = await watchOnce(kc, path, { resourceVersion: rvBefore, timeoutSeconds: 2 });
    tap(gone.length === 1 && gone[0][0] === 'ERROR' && gone[0][1].code === 410 && gone[0][1].reason === 'Expired',
        `a watch from the informer's old resourceVersion gets an ERROR event with a 410 Status (${short(gone)})`);
    const listsBefore = lists;
    await inf.start();
    const server = async () => (await core.listNamespacedConfigMap({ namespace: NS })).items;
    const sameAsServer = async () => {
        const s = await server();
        const c = inf.list(NS);
        return s.length === c.length && s.every((o) => {
            const x = inf.get(o.metadata.name, NS);
            return x && x.metadata.resourceVersion === o.metadata.resourceVersion && eq(x.data, o.data);
        });
    };
    let same = false;
    for (let i = 0; i < 100 && !same; i++) {
        same = await sameAsServer();
        if (!same) await sleep(100);
    }
    tap(lists === listsBefore + 1, `after 410 Gone the informer listed again (lists ${listsBefore} -> ${lists})`);
    tap(events.some(([t, nm]) => t === 'delete' && nm === 'inf-2') && events.some(([t, nm]) => t === 'add' && nm === 'inf-late'),
        'the relist reports the delete and the add it missed');
    await core.patchNamespacedConfigMap({ name: 'inf-late', namespace: NS, body: { data: { v: 'after' } } }, merge);
    tap(await waitFor(() => (inf.get('inf-late', NS) || { data: {} }).data.v === 'after'),
        'and watches again after the relist');
    same = false;
    for (let i = 0; i < 50 && !same; i++) {
        same = await sameAsServer();
        if (!same) await sleep(100);
    }
    tap(same, `the informer's cache equals the server's state (${inf.list(NS).map((o) => o.metadata.name).sort()})`);
    await inf.stop();
    const real = errors.filter((e) => e && e.name !== 'AbortError' && e.type !== 'aborted');
    tap(real.length === 0, `no informer errors (${real.map((e) => String(e)).join('; ')})`);
    for (const o of await server()) await core.deleteNamespacedConfigMap({ name: o.metadata.name, namespace: NS });
}

async function tokenUser(core, rbac) {
    const tcore = kubeConfig({ token: TOKEN }).makeApiClient(k8s.CoreV1Api);
    await expectError('a token user without rights', 403, 'Forbidden', tcore.listNamespacedConfigMap({ namespace: NS }));
    await rbac.createClusterRoleBinding({
        body: {
            metadata: { name: 'tok-user-admin' },
            roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
            subjects: [{ kind: 'User', name: 'tok-user', apiGroup: 'rbac.authorization.k8s.io' }],
        },
    });
    let st, res;
    for (let i = 0; i < 50; i++) {
        [st, res] = await statusOf(tcore.createNamespacedConfigMap({ namespace: NS, body: cm('by-token', { a: 'b' }) }));
        if (st === null) break;
        await sleep(200);
    }
    tap(st === null && res.metadata.name === 'by-token', `after a ClusterRoleBinding the token user creates a ConfigMap (${st})`);
    tap(eq((await core.readNamespacedConfigMap({ name: 'by-token', namespace: NS })).data, { a: 'b' }),
        'the admin reads what the token user wrote');
    const wrong = kubeConfig({ token: 'wrong-token' }).makeApiClient(k8s.CoreV1Api);
    const [wst] = await statusOf(wrong.listNamespace());
    tap(wst === 401, `a wrong token is ApiException 401 (${wst})`);
    await core.deleteNamespacedConfigMap({ name: 'by-token', namespace: NS });
}

async function workspaces(kc, core, server) {
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    await co.createClusterCustomObject({
        group: 'tenancy.kplane.io', version: 'v1alpha1', plural: 'workspaces',
        body: { apiVersion: 'tenancy.kplane.io/v1alpha1', kind: 'Workspace', metadata: { name: 'x' } },
    });
    let phase;
    for (let i = 0; i < 100 && phase !== 'Ready'; i++) {
        const ws = await co.getClusterCustomObject({ group: 'tenancy.kplane.io', version: 'v1alpha1', plural: 'workspaces', name: 'x' });
        phase = (ws.status || {}).phase;
        if (phase !== 'Ready') await sleep(200);
    }
    tap(phase === 'Ready', `a Workspace created with CustomObjectsApi becomes Ready (${phase})`);
    const xcore = kubeConfig({ server: `${server}:x` }).makeApiClient(k8s.CoreV1Api);
    const nss = (await xcore.listNamespace()).items.map((x) => x.metadata.name);
    tap(nss.includes('default') && !nss.includes(NS), `a client for /clusters/root:x lists that workspace's namespaces (${nss})`);
    await xcore.createNamespacedConfigMap({ namespace: 'default', body: cm('only-in-x', { w: 'x' }) });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm('only-in-root', { w: 'root' }) });
    const only = (l) => l.items.map((x) => x.metadata.name).filter((nm) => nm.startsWith('only-'));
    tap(eq(only(await xcore.listNamespacedConfigMap({ namespace: 'default' })), ['only-in-x']), 'root:x lists only its own ConfigMap');
    tap(eq(only(await core.listNamespacedConfigMap({ namespace: 'default' })), ['only-in-root']), 'root lists only its own ConfigMap');
    await expectError("root cannot read root:x's ConfigMap by name", 404, 'NotFound',
        core.readNamespacedConfigMap({ name: 'only-in-x', namespace: 'default' }));
    // a watch in root:x sees only root:x's events
    const w = watchOnce(kubeConfig({ server: `${server}:x` }), '/api/v1/namespaces/default/configmaps',
        { resourceVersion: (await xcore.listNamespacedConfigMap({ namespace: 'default' })).metadata.resourceVersion, timeoutSeconds: 2 });
    await core.patchNamespacedConfigMap({ name: 'only-in-root', namespace: 'default', body: { data: { w: 'root2' } } }, merge);
    await xcore.patchNamespacedConfigMap({ name: 'only-in-x', namespace: 'default', body: { data: { w: 'x2' } } }, merge);
    const evs = (await w).map(([t, o]) => [t, o.metadata.name]);
    tap(eq(evs, [['MODIFIED', 'only-in-x']]), `a watch through root:x sees only root:x's events (${short(evs)})`);
    await expectError('a client for an unknown workspace', 404, 'NotFound',
        kubeConfig({ server: `${server}:nope` }).makeApiClient(k8s.CoreV1Api).listNamespace());
}

// KubernetesObjectApi: any kind by apiVersion and kind, resolved through discovery
async function objectApi(kc) {
    const o = k8s.KubernetesObjectApi.makeApiClient(kc);
    const ref = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen', namespace: NS } };
    const spec = { ...deployment('gen', 1), apiVersion: 'apps/v1', kind: 'Deployment' };
    spec.metadata.namespace = NS;
    const c = await o.create(spec);
    tap(c.kind === 'Deployment' && c.metadata.name === 'gen', 'KubernetesObjectApi.create of a Deployment');
    tap((await o.read(ref)).spec.replicas === 1, 'KubernetesObjectApi.read');
    const p = await o.patch({ ...ref, spec: { replicas: 4 } }, undefined, undefined, undefined, undefined,
        k8s.PatchStrategy.MergePatch);
    tap(p.spec.replicas === 4, 'KubernetesObjectApi.patch (merge)');
    const l = await o.list('apps/v1', 'Deployment', NS);
    tap(eq(l.items.map((x) => x.metadata.name), ['gen']), 'KubernetesObjectApi.list');
    const w = await o.list('tenancy.kplane.io/v1alpha1', 'Workspace');
    tap(Array.isArray(w.items), "KubernetesObjectApi.list of kplane's Workspaces (cluster-scoped)");
    await o.delete(ref);
    await expectError('KubernetesObjectApi.read after delete', 404, 'NotFound', o.read(ref));
}

async function main() {
    const kc = kubeConfig();
    const server = kc.getCurrentCluster().server;
    tap(server.endsWith('/clusters/root'), `the kubeconfig's server has the /clusters/root path (${server})`);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    tap(v.major === '1' && v.gitVersion.startsWith('v1.'), `VersionApi: ${v.gitVersion}`);
    await core.createNamespace({ body: { metadata: { name: NS } } });
    tap((await core.readNamespace({ name: NS })).status.phase === 'Active', 'create and read a Namespace');
    const steps = [
        () => crudConfigMaps(core), () => crudSecrets(core), () => crudDeployments(apps), () => objectApi(kc),
        () => selectorsAndPaging(core), () => watches(kc, core), () => informer(kc, core),
        () => tokenUser(core, rbac), () => workspaces(kc, core, server),
    ];
    for (const s of steps) {
        try {
            await s();
        } catch (e) {
            // one broken step must not hide the others' results
            tap(false, `step raised ${String(e).slice(0, 500).replace(/\n/g, ' ')}`);
        }
    }
    console.log(`1..${n}`);
    process.exit(0);
}

await main();
